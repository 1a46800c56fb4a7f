//! The party pool: who signs the demo's contracts, where they are, and their credit codes.

use std::collections::HashSet;
use std::hash::{DefaultHasher, Hash, Hasher};

use rand::Rng;

use super::names;
use super::random::{DemoRng, chance, one_of, pick, skewed_index};
use crate::domain::{CreditCode, OfficeCode, PartyKind, RegionCode, RegionLevel, TechField};

/// Where a party comes from, as the flow mix sees it.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
pub(super) enum Group {
    /// Enterprises in Linyi.
    LinyiEnterprise,
    /// Universities, institutes, hospitals and associations in Linyi.
    LinyiAcademic,
    /// Individuals in Linyi.
    LinyiIndividual,
    /// Enterprises in Shanghai, Jiangsu, Zhejiang, Anhui, Jinan or Qingdao.
    DeltaEnterprise,
    /// Universities and institutes there.
    DeltaAcademic,
    /// Enterprises elsewhere in Shandong.
    ShandongEnterprise,
    /// Universities and institutes elsewhere in Shandong.
    ShandongAcademic,
    /// Enterprises elsewhere in China.
    ChinaEnterprise,
    /// Universities and institutes elsewhere in China.
    ChinaAcademic,
    /// Foreign companies (region 000000).
    Abroad,
    /// Individuals outside Linyi.
    OtherIndividual,
}

impl Group {
    /// Every group, in generation order.
    pub const ALL: [Group; 11] = [
        Group::LinyiEnterprise,
        Group::LinyiAcademic,
        Group::LinyiIndividual,
        Group::DeltaEnterprise,
        Group::DeltaAcademic,
        Group::ShandongEnterprise,
        Group::ShandongAcademic,
        Group::ChinaEnterprise,
        Group::ChinaAcademic,
        Group::Abroad,
        Group::OtherIndividual,
    ];

    /// Share of the pool, per mille.
    const fn share_permille(self) -> u32 {
        match self {
            Group::LinyiEnterprise => 480,
            Group::LinyiAcademic => 40,
            Group::LinyiIndividual => 40,
            Group::DeltaEnterprise => 140,
            Group::DeltaAcademic => 60,
            Group::ShandongEnterprise => 60,
            Group::ShandongAcademic => 20,
            Group::ChinaEnterprise => 100,
            Group::ChinaAcademic => 30,
            Group::Abroad => 15,
            Group::OtherIndividual => 15,
        }
    }

    fn index(self) -> usize {
        Group::ALL.iter().position(|&g| g == self).unwrap_or(0)
    }
}

/// A party as planned; created through `Command::CreateParty` before its first contract.
#[derive(Debug, Clone)]
pub(super) struct PlannedParty {
    /// Name.
    pub name: String,
    /// Credit code (organisations in China).
    pub credit_code: Option<CreditCode>,
    /// Kind.
    pub kind: PartyKind,
    /// GB/T 2260 county (or 000000 abroad).
    pub region: RegionCode,
    /// Party-nature code (table B-3.4).
    pub nature_code: Option<&'static str>,
    /// Country of a foreign party.
    pub country: Option<&'static str>,
    /// The Linyi office where this party registers its contracts.
    pub home_office: Option<OfficeCode>,
    /// The field the party works in (most of its contracts are in it).
    pub field: TechField,
    /// Where it comes from.
    pub group: Group,
}

/// Weights of technical fields, leaning toward Linyi's industries (machinery, wood and
/// metal materials, pharmaceuticals, food and agriculture, logistics).
pub(super) const LINYI_FIELDS: &[(TechField, u32)] = &[
    (TechField::AdvancedManufacturing, 22),
    (TechField::NewMaterials, 15),
    (TechField::Biomedicine, 13),
    (TechField::ElectronicInformation, 11),
    (TechField::Agriculture, 11),
    (TechField::NewEnergy, 8),
    (TechField::Environment, 7),
    (TechField::ModernTransport, 6),
    (TechField::UrbanSocial, 5),
    (TechField::Aerospace, 1),
    (TechField::Nuclear, 1),
];

/// Weights of technical fields for parties outside Linyi (closer to the national mix).
const OTHER_FIELDS: &[(TechField, u32)] = &[
    (TechField::ElectronicInformation, 24),
    (TechField::AdvancedManufacturing, 17),
    (TechField::Biomedicine, 12),
    (TechField::NewMaterials, 10),
    (TechField::NewEnergy, 9),
    (TechField::Environment, 7),
    (TechField::UrbanSocial, 7),
    (TechField::ModernTransport, 6),
    (TechField::Agriculture, 5),
    (TechField::Aerospace, 2),
    (TechField::Nuclear, 1),
];

/// Linyi's 12 county-level divisions and how many of the city's parties sit in each.
const LINYI_COUNTIES: &[(&str, u32)] = &[
    ("371302", 30),
    ("371311", 14),
    ("371312", 13),
    ("371321", 4),
    ("371322", 4),
    ("371323", 6),
    ("371324", 4),
    ("371325", 5),
    ("371326", 4),
    ("371327", 5),
    ("371328", 3),
    ("371329", 4),
];

/// The Yangtze River Delta provinces, Jinan and Qingdao (code prefixes) and their weights.
const DELTA: &[(&str, u32)] = &[
    ("31", 25),
    ("32", 30),
    ("33", 18),
    ("34", 9),
    ("3701", 11),
    ("3702", 7),
];

/// Other provinces and their weights.
const CHINA: &[(&str, u32)] = &[
    ("11", 20),
    ("44", 16),
    ("12", 6),
    ("13", 6),
    ("41", 7),
    ("42", 7),
    ("51", 6),
    ("61", 6),
    ("21", 5),
    ("35", 5),
    ("43", 4),
    ("50", 3),
    ("23", 3),
    ("22", 2),
    ("14", 2),
    ("36", 2),
    ("45", 1),
    ("53", 1),
    ("52", 1),
    ("62", 1),
    ("15", 1),
    ("65", 1),
];

/// Nature codes of enterprises: limited liability, joint-stock, state-owned, private.
const ENTERPRISE_NATURES: &[(&str, u32)] = &[("150", 60), ("160", 15), ("110", 6), ("170", 19)];

/// The county-level regions of each place, looked up once.
struct Places {
    linyi: Vec<(RegionCode, u32)>,
    delta: Vec<(Vec<RegionCode>, u32)>,
    shandong: Vec<RegionCode>,
    china: Vec<(Vec<RegionCode>, u32)>,
}

impl Places {
    fn new() -> Places {
        let counties = |prefix: &str| -> Vec<RegionCode> {
            RegionCode::all()
                .filter(|r| r.level() == RegionLevel::County && r.as_str().starts_with(prefix))
                .collect()
        };
        let linyi = LINYI_COUNTIES
            .iter()
            .filter_map(|&(code, w)| RegionCode::parse(code).ok().map(|r| (r, w)))
            .collect();
        let weighted = |table: &[(&str, u32)]| -> Vec<(Vec<RegionCode>, u32)> {
            table
                .iter()
                .map(|&(prefix, w)| (counties(prefix), w))
                .filter(|(list, _)| !list.is_empty())
                .collect()
        };
        let shandong = counties("37")
            .into_iter()
            .filter(|r| {
                !["3701", "3702", "3713"]
                    .iter()
                    .any(|p| r.as_str().starts_with(p))
            })
            .collect();
        Places {
            linyi,
            delta: weighted(DELTA),
            shandong,
            china: weighted(CHINA),
        }
    }

    fn linyi(&self, rng: &mut DemoRng) -> RegionCode {
        pick(rng, &self.linyi)
    }

    fn weighted(rng: &mut DemoRng, table: &[(Vec<RegionCode>, u32)]) -> RegionCode {
        let choices: Vec<(usize, u32)> = table
            .iter()
            .enumerate()
            .map(|(i, (_, w))| (i, *w))
            .collect();
        let k = pick(rng, &choices);
        *one_of(rng, &table[k].0)
    }

    fn of(&self, rng: &mut DemoRng, group: Group) -> RegionCode {
        match group {
            Group::LinyiEnterprise | Group::LinyiAcademic | Group::LinyiIndividual => {
                self.linyi(rng)
            }
            Group::DeltaEnterprise | Group::DeltaAcademic => Self::weighted(rng, &self.delta),
            Group::ShandongEnterprise | Group::ShandongAcademic => *one_of(rng, &self.shandong),
            Group::ChinaEnterprise | Group::ChinaAcademic => Self::weighted(rng, &self.china),
            Group::OtherIndividual => match rng.gen_range(0..3) {
                0 => Self::weighted(rng, &self.delta),
                1 => *one_of(rng, &self.shandong),
                _ => Self::weighted(rng, &self.china),
            },
            Group::Abroad => RegionCode::ABROAD,
        }
    }
}

/// The Linyi office a party in `region` registers at: its own district or county, or the
/// functional zone inside it (the high-tech zone lies in Luozhuang and Lanshan, the ETDZ in
/// Hedong, the Lingang zone in Junan).
fn home_office(rng: &mut DemoRng, region: RegionCode) -> Option<OfficeCode> {
    let own = OfficeCode::parse(region.as_str()).ok()?;
    let zone = match region.as_str() {
        "371302" if chance(rng, 20) => Some(OfficeCode::HighTechZone),
        "371311" if chance(rng, 50) => Some(OfficeCode::HighTechZone),
        "371312" if chance(rng, 40) => Some(OfficeCode::EconomicZone),
        "371327" if chance(rng, 30) => Some(OfficeCode::LingangZone),
        _ => None,
    };
    Some(zone.unwrap_or(own))
}

/// The GB/T 2260 county of a party registered at `office`.
pub(super) fn region_of_office(office: OfficeCode) -> RegionCode {
    let code = match office {
        OfficeCode::HighTechZone => "371311",
        OfficeCode::EconomicZone => "371312",
        OfficeCode::LingangZone => "371327",
        other => other.code(),
    };
    RegionCode::parse(code).unwrap_or(RegionCode::ABROAD)
}

/// Every party the plan may use, by group.
pub(super) struct Pool {
    /// All parties, pool first, then the ones made for planted anomalies.
    pub parties: Vec<PlannedParty>,
    by_group: Vec<Vec<u32>>,
    places: Places,
    codes: HashSet<String>,
    names: HashSet<u64>,
}

impl Pool {
    /// A pool of `size` parties (at least one per group).
    pub fn generate(rng: &mut DemoRng, size: usize) -> Pool {
        let mut pool = Pool {
            parties: Vec::with_capacity(size + 64),
            by_group: vec![Vec::new(); Group::ALL.len()],
            places: Places::new(),
            codes: HashSet::with_capacity(size),
            names: HashSet::with_capacity(size),
        };
        for group in Group::ALL {
            let count = (size * group.share_permille() as usize / 1000).max(1);
            for _ in 0..count {
                let index = pool.make(rng, group, None);
                pool.by_group[group.index()].push(index);
            }
        }
        pool
    }

    /// A party of `group`, skewed so that some parties sign many contracts.
    pub fn draw(&self, rng: &mut DemoRng, group: Group) -> u32 {
        let list = &self.by_group[group.index()];
        list[skewed_index(rng, list.len())]
    }

    /// A new party of `group` that no pool contract uses (for planted anomalies).
    pub fn fresh(&mut self, rng: &mut DemoRng, group: Group) -> u32 {
        self.make(rng, group, None)
    }

    /// A new Linyi party of `group` registering at `office` (for planted anomalies).
    pub fn fresh_at(&mut self, rng: &mut DemoRng, group: Group, office: OfficeCode) -> u32 {
        self.make(rng, group, Some(office))
    }

    /// The parties clean contracts draw from (not the ones made for planted cases).
    pub fn drawn(&self) -> impl Iterator<Item = u32> + '_ {
        self.by_group.iter().flatten().copied()
    }

    /// The party `index`.
    pub fn get(&self, index: u32) -> &PlannedParty {
        &self.parties[index as usize]
    }

    /// Makes and stores one party.
    fn make(&mut self, rng: &mut DemoRng, group: Group, office: Option<OfficeCode>) -> u32 {
        let region = match office {
            Some(o) => region_of_office(o),
            None => self.places.of(rng, group),
        };
        let linyi = region.is_linyi();
        let field = pick(rng, if linyi { LINYI_FIELDS } else { OTHER_FIELDS });
        let home = if linyi {
            office.or_else(|| home_office(rng, region))
        } else {
            None
        };
        let (kind, nature, code_prefix) = match group {
            Group::LinyiEnterprise
            | Group::DeltaEnterprise
            | Group::ShandongEnterprise
            | Group::ChinaEnterprise => (
                PartyKind::Enterprise,
                Some(pick(rng, ENTERPRISE_NATURES)),
                Some("91"),
            ),
            Group::LinyiAcademic
            | Group::DeltaAcademic
            | Group::ShandongAcademic
            | Group::ChinaAcademic => match rng.gen_range(0..20) {
                0..=5 => (PartyKind::University, Some("022"), Some("12")),
                6..=16 => (PartyKind::ResearchInstitute, Some("021"), Some("12")),
                _ => (PartyKind::Other, Some("024"), Some("12")),
            },
            Group::LinyiIndividual | Group::OtherIndividual => (PartyKind::Individual, None, None),
            Group::Abroad => (PartyKind::Enterprise, None, None),
        };
        let mut kind = kind;
        let mut country = None;
        let mut name = String::new();
        for attempt in 0..24 {
            name = match (group, kind) {
                (Group::Abroad, _) => {
                    let (n, c) = names::foreign(rng);
                    country = Some(c);
                    n
                }
                (_, PartyKind::Enterprise) => names::company(rng, region, field),
                (_, PartyKind::University) if attempt < 8 => names::university(rng, region),
                (_, PartyKind::University) => {
                    // The university names of a place are few: once they run out, a research
                    // institute takes the place.
                    kind = PartyKind::ResearchInstitute;
                    names::institute(rng, region)
                }
                (_, PartyKind::ResearchInstitute) => names::institute(rng, region),
                (_, PartyKind::Other) => names::other_organisation(rng, region, field),
                (_, PartyKind::Individual) => break,
            };
            if self.names.insert(name_hash(&name)) {
                break;
            }
        }
        if kind == PartyKind::Individual {
            name = names::person(rng);
        }
        let nature_code = match kind {
            PartyKind::ResearchInstitute => Some("021"),
            _ => nature,
        };
        let credit_code = code_prefix.map(|prefix| self.credit_code(rng, prefix, region));
        let index = u32::try_from(self.parties.len()).unwrap_or(u32::MAX);
        self.parties.push(PlannedParty {
            name,
            credit_code,
            kind,
            region,
            nature_code,
            country,
            home_office: home,
            field,
            group,
        });
        index
    }

    /// A new, unique credit code: `prefix` (91 enterprise, 12 public institution), the
    /// party's own region in positions 3–8, a random organisation code, both check characters.
    fn credit_code(&mut self, rng: &mut DemoRng, prefix: &str, region: RegionCode) -> CreditCode {
        const ALPHABET: &[u8] = b"0123456789ABCDEFGHJKLMNPQRTUWXY";
        loop {
            let body: String = if prefix == "91" && chance(rng, 70) {
                // Codes issued since 2015 mostly carry "MA" and six characters.
                let tail: String = (0..6)
                    .map(|_| char::from(ALPHABET[rng.gen_range(0..ALPHABET.len())]))
                    .collect();
                format!("MA{tail}")
            } else {
                (0..8)
                    .map(|_| char::from(b'0' + rng.gen_range(0..10u8)))
                    .collect()
            };
            let first16 = format!("{prefix}{}{body}", region.as_str());
            if let Ok(code) = CreditCode::complete(&first16)
                && self.codes.insert(code.as_str().to_string())
            {
                return code;
            }
        }
    }
}

/// A stable hash of a name (to keep names unique without storing them twice).
fn name_hash(name: &str) -> u64 {
    let mut h = DefaultHasher::new();
    name.hash(&mut h);
    h.finish()
}

#[cfg(test)]
#[allow(clippy::unwrap_used)]
mod tests {
    use super::*;
    use rand::SeedableRng;

    #[test]
    fn pool_parties_are_valid_and_unique() {
        let mut rng = DemoRng::seed_from_u64(7);
        let pool = Pool::generate(&mut rng, 3000);
        assert!(pool.parties.len() >= 2990);
        let mut codes = HashSet::new();
        for p in &pool.parties {
            // Every party passes the ledger's own rules.
            let new = crate::ledger::NewParty {
                legal_representative: None,
                name: p.name.clone(),
                credit_code: p.credit_code.clone(),
                kind: p.kind,
                region: p.region,
                nature_code: p.nature_code.map(str::to_string),
                country: p
                    .country
                    .map(|c| crate::domain::CountryCode::parse(c).unwrap()),
            };
            assert!(new.check().is_empty(), "{p:?}: {:?}", new.check());
            if let Some(code) = &p.credit_code {
                assert_eq!(CreditCode::parse(code.as_str()).unwrap(), *code);
                assert_eq!(code.registering_region(), p.region.as_str());
                assert!(code.as_str().starts_with("91") || code.as_str().starts_with("12"));
                assert!(codes.insert(code.clone()), "duplicate code {code}");
            }
            // Regions are real: they parse back from the embedded GB/T 2260 list.
            assert_eq!(RegionCode::parse(p.region.as_str()).unwrap(), p.region);
            match p.group {
                Group::LinyiEnterprise | Group::LinyiAcademic | Group::LinyiIndividual => {
                    assert!(p.region.is_linyi() && p.home_office.is_some());
                }
                Group::DeltaEnterprise | Group::DeltaAcademic => {
                    assert!(p.region.is_yangtze_delta_or_jinan_qingdao());
                }
                Group::Abroad => assert!(p.region.is_abroad() && p.country.is_some()),
                _ => assert!(!p.region.is_linyi() && !p.region.is_abroad()),
            }
        }
        let linyi = pool.parties.iter().filter(|p| p.region.is_linyi()).count();
        assert!(linyi * 100 / pool.parties.len() >= 50, "mostly Linyi");
    }

    #[test]
    fn fresh_parties_register_where_asked() {
        let mut rng = DemoRng::seed_from_u64(8);
        let mut pool = Pool::generate(&mut rng, 50);
        for &office in OfficeCode::ALL {
            let p = pool.fresh_at(&mut rng, Group::LinyiEnterprise, office);
            assert_eq!(pool.get(p).home_office, Some(office));
            assert!(pool.get(p).region.is_linyi());
        }
    }
}

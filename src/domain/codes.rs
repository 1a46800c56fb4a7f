//! The classification code lists of a contract (domain.md Part A): type and subtype,
//! technical field, IP type, party kind, and the flow and "introduced" rules of the statistics.

use std::fmt;

use serde::{Serialize, Serializer};

use super::code_list::code_enum;
use super::error::UnknownCode;
use super::region::RegionCode;

code_enum! {
    /// The five technology contract types of the Civil Code (2021).
    pub enum ContractType("contract type", "合同类型", suffixes = ["合同"]) {
        /// 技术开发: research and development of something the parties do not yet hold.
        Development => ("development", "技术开发", "Technology development"),
        /// 技术转让: transfer of a right to a technical result already held.
        Transfer => ("transfer", "技术转让", "Technology transfer"),
        /// 技术许可: licence to use a technical result (separate type since 2021).
        Licensing => ("licensing", "技术许可", "Technology licensing"),
        /// 技术咨询: feasibility studies, forecasts, evaluation reports.
        Consulting => ("consulting", "技术咨询", "Technology consulting"),
        /// 技术服务: solving a specific technical problem, training, intermediary.
        Service => ("service", "技术服务", "Technology service"),
    }
}

impl ContractType {
    /// The subtypes this type allows (none for consulting).
    pub fn subtypes(self) -> &'static [Subtype] {
        match self {
            Self::Development => &[Subtype::Commissioned, Subtype::Cooperative],
            Self::Transfer => &[
                Subtype::PatentTransfer,
                Subtype::PatentApplicationTransfer,
                Subtype::KnowHowTransfer,
                Subtype::OtherTransfer,
            ],
            Self::Licensing => &[
                Subtype::ExclusiveLicence,
                Subtype::SoleLicence,
                Subtype::OrdinaryLicence,
                Subtype::KnowHowLicence,
                Subtype::OtherLicence,
            ],
            Self::Consulting => &[],
            Self::Service => &[
                Subtype::GeneralService,
                Subtype::Training,
                Subtype::Intermediary,
            ],
        }
    }
}

/// A contract subtype; each value belongs to one contract type, so only valid pairs exist.
///
/// The wire code alone is ambiguous (`know_how`, `other`), so it is read with its type through
/// `Subtype::parse` rather than deserialised on its own.
#[derive(Debug, Clone, Copy, PartialEq, Eq, PartialOrd, Ord, Hash)]
pub enum Subtype {
    /// 委托开发 (development).
    Commissioned,
    /// 合作开发 (development).
    Cooperative,
    /// 专利权转让 (transfer).
    PatentTransfer,
    /// 专利申请权转让 (transfer).
    PatentApplicationTransfer,
    /// 技术秘密转让 (transfer).
    KnowHowTransfer,
    /// 其他 (transfer).
    OtherTransfer,
    /// 独占实施许可 (licensing).
    ExclusiveLicence,
    /// 排他实施许可 (licensing).
    SoleLicence,
    /// 普通实施许可 (licensing).
    OrdinaryLicence,
    /// 技术秘密使用许可 (licensing).
    KnowHowLicence,
    /// 其他 (licensing).
    OtherLicence,
    /// 一般技术服务 (service).
    GeneralService,
    /// 技术培训 (service).
    Training,
    /// 技术中介 (service).
    Intermediary,
}

impl Subtype {
    /// Every subtype of every contract type, grouped by type.
    pub const ALL: &'static [Subtype] = &[
        Self::Commissioned,
        Self::Cooperative,
        Self::PatentTransfer,
        Self::PatentApplicationTransfer,
        Self::KnowHowTransfer,
        Self::OtherTransfer,
        Self::ExclusiveLicence,
        Self::SoleLicence,
        Self::OrdinaryLicence,
        Self::KnowHowLicence,
        Self::OtherLicence,
        Self::GeneralService,
        Self::Training,
        Self::Intermediary,
    ];

    /// `(contract type, code, Chinese label, English label)` of this subtype.
    const fn info(self) -> (ContractType, &'static str, &'static str, &'static str) {
        use ContractType as T;
        match self {
            Self::Commissioned => (
                T::Development,
                "commissioned",
                "委托开发",
                "Commissioned development",
            ),
            Self::Cooperative => (
                T::Development,
                "cooperative",
                "合作开发",
                "Cooperative development",
            ),
            Self::PatentTransfer => (T::Transfer, "patent", "专利权转让", "Patent right transfer"),
            Self::PatentApplicationTransfer => (
                T::Transfer,
                "patent_application",
                "专利申请权转让",
                "Patent application right transfer",
            ),
            Self::KnowHowTransfer => (T::Transfer, "know_how", "技术秘密转让", "Know-how transfer"),
            Self::OtherTransfer => (T::Transfer, "other", "其他", "Other"),
            Self::ExclusiveLicence => (
                T::Licensing,
                "patent_exclusive",
                "独占实施许可",
                "Exclusive patent licence",
            ),
            Self::SoleLicence => (
                T::Licensing,
                "patent_sole",
                "排他实施许可",
                "Sole patent licence",
            ),
            Self::OrdinaryLicence => (
                T::Licensing,
                "patent_ordinary",
                "普通实施许可",
                "Non-exclusive patent licence",
            ),
            Self::KnowHowLicence => (
                T::Licensing,
                "know_how",
                "技术秘密使用许可",
                "Know-how licence",
            ),
            Self::OtherLicence => (T::Licensing, "other", "其他", "Other"),
            Self::GeneralService => (
                T::Service,
                "general",
                "一般技术服务",
                "General technical service",
            ),
            Self::Training => (T::Service, "training", "技术培训", "Technical training"),
            Self::Intermediary => (
                T::Service,
                "intermediary",
                "技术中介",
                "Technology intermediary",
            ),
        }
    }

    /// The contract type this subtype belongs to.
    pub const fn contract_type(self) -> ContractType {
        self.info().0
    }

    /// The code used on the wire and in the database (unique within its type).
    pub const fn code(self) -> &'static str {
        self.info().1
    }

    /// The Chinese label.
    pub const fn label_zh(self) -> &'static str {
        self.info().2
    }

    /// The English label.
    pub const fn label_en(self) -> &'static str {
        self.info().3
    }

    /// The subtype of `contract_type` with exactly this code.
    pub fn parse(contract_type: ContractType, code: &str) -> Result<Subtype, UnknownCode> {
        contract_type
            .subtypes()
            .iter()
            .copied()
            .find(|s| s.code() == code)
            .ok_or_else(|| Self::unknown(contract_type, code))
    }

    /// The subtype of `contract_type` named by code, Chinese label (optionally with 合同) or
    /// English label, ignoring case and surrounding blanks; for spreadsheet import.
    pub fn from_label(contract_type: ContractType, s: &str) -> Result<Subtype, UnknownCode> {
        let s = s.trim();
        contract_type
            .subtypes()
            .iter()
            .copied()
            .find(|v| {
                v.code().eq_ignore_ascii_case(s)
                    || s == v.label_zh()
                    || s.strip_suffix("合同") == Some(v.label_zh())
                    || v.label_en().eq_ignore_ascii_case(s)
            })
            .ok_or_else(|| Self::unknown(contract_type, s))
    }

    /// The error for a subtype not allowed with `contract_type`.
    fn unknown(contract_type: ContractType, s: &str) -> UnknownCode {
        UnknownCode::new(
            format!("subtype for {} contracts", contract_type.code()),
            format!("{}合同的子类", contract_type.label_zh()),
            s,
            contract_type
                .subtypes()
                .iter()
                .map(|v| (v.code(), v.label_zh())),
        )
    }
}

impl fmt::Display for Subtype {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(self.code())
    }
}

impl Serialize for Subtype {
    fn serialize<S: Serializer>(&self, serializer: S) -> Result<S::Ok, S::Error> {
        serializer.serialize_str(self.code())
    }
}

code_enum! {
    /// The 11 technical fields (技术领域) of the national statistics.
    pub enum TechField("technical field", "技术领域", suffixes = ["技术"]) {
        /// 电子信息.
        ElectronicInformation => ("electronic_information", "电子信息", "Electronic information"),
        /// 航空航天.
        Aerospace => ("aerospace", "航空航天", "Aerospace"),
        /// 先进制造.
        AdvancedManufacturing => ("advanced_manufacturing", "先进制造", "Advanced manufacturing"),
        /// 生物、医药和医疗器械.
        Biomedicine => ("biomedicine", "生物、医药和医疗器械", "Biology, medicine and medical devices"),
        /// 新材料及其应用.
        NewMaterials => ("new_materials", "新材料及其应用", "New materials and applications"),
        /// 新能源与高效节能.
        NewEnergy => ("new_energy", "新能源与高效节能", "New energy and energy efficiency"),
        /// 环境保护与资源综合利用.
        Environment => ("environment", "环境保护与资源综合利用", "Environmental protection and resource utilisation"),
        /// 核应用.
        Nuclear => ("nuclear", "核应用", "Nuclear applications"),
        /// 农业.
        Agriculture => ("agriculture", "农业", "Agriculture"),
        /// 现代交通.
        ModernTransport => ("modern_transport", "现代交通", "Modern transport"),
        /// 城市建设与社会发展.
        UrbanSocial => ("urban_social", "城市建设与社会发展", "Urban construction and social development"),
    }
}

code_enum! {
    /// The kind of intellectual property a contract involves (知识产权类型).
    pub enum IpType("IP type", "知识产权类型") {
        /// 专利.
        Patent => ("patent", "专利", "Patent"),
        /// 技术秘密.
        KnowHow => ("know_how", "技术秘密", "Know-how"),
        /// 计算机软件著作权.
        SoftwareCopyright => ("software_copyright", "计算机软件著作权", "Software copyright"),
        /// 集成电路布图设计专有权.
        IcLayout => ("ic_layout", "集成电路布图设计专有权", "IC layout-design right"),
        /// 植物新品种权.
        PlantVariety => ("plant_variety", "植物新品种权", "Plant variety right"),
        /// 生物医药新品种.
        BiomedicalVariety => ("biomedical_variety", "生物医药新品种", "New biomedical variety"),
        /// 其他知识产权.
        OtherIp => ("other_ip", "其他知识产权", "Other IP"),
        /// 未涉及知识产权.
        NotInvolved => ("none", "未涉及知识产权", "No IP involved"),
    }
}

code_enum! {
    /// What kind of body a contract party is (合同主体类型).
    pub enum PartyKind("party kind", "主体类型") {
        /// 企业.
        Enterprise => ("enterprise", "企业", "Enterprise"),
        /// 高等院校.
        University => ("university", "高等院校", "University"),
        /// 科研机构.
        ResearchInstitute => ("research_institute", "科研机构", "Research institute"),
        /// 个人: a natural person, who carries no credit code.
        Individual => ("individual", "个人", "Individual"),
        /// 其他: government organs, hospitals, associations, ….
        Other => ("other", "其他", "Other"),
    }
}

impl PartyKind {
    /// Whether a party of this kind must carry a unified social credit code (all but individuals).
    pub const fn requires_credit_code(self) -> bool {
        !matches!(self, Self::Individual)
    }
}

code_enum! {
    /// Which way a contract moves technology, seen from Linyi.
    pub enum Flow("flow", "流向") {
        /// 本地: seller and buyer both in Linyi.
        Local => ("local", "本地", "Local"),
        /// 技术输出: seller in Linyi, buyer elsewhere.
        Outflow => ("outflow", "技术输出", "Outflow"),
        /// 技术吸纳: buyer in Linyi, seller elsewhere.
        Inflow => ("inflow", "技术吸纳", "Inflow"),
        /// 其他: neither party in Linyi.
        Other => ("other", "其他", "Other"),
    }
}

impl Flow {
    /// The flow of a contract from its seller's and buyer's regions.
    pub fn of(seller: &RegionCode, buyer: &RegionCode) -> Flow {
        match (seller.is_linyi(), buyer.is_linyi()) {
            (true, true) => Self::Local,
            (true, false) => Self::Outflow,
            (false, true) => Self::Inflow,
            (false, false) => Self::Other,
        }
    }
}

/// Whether a contract counts as an introduced achievement (引进科技成果): a development,
/// transfer or licensing contract bought in Linyi from Shanghai, Jiangsu, Zhejiang, Anhui,
/// Jinan or Qingdao.
pub fn is_introduced(contract_type: ContractType, seller: &RegionCode, buyer: &RegionCode) -> bool {
    matches!(
        contract_type,
        ContractType::Development | ContractType::Transfer | ContractType::Licensing
    ) && buyer.is_linyi()
        && seller.is_yangtze_delta_or_jinan_qingdao()
}

#[cfg(test)]
#[allow(clippy::unwrap_used)]
mod tests {
    use super::super::error::Localized;
    use super::*;

    fn r(code: &str) -> RegionCode {
        RegionCode::parse(code).unwrap()
    }

    #[test]
    fn labels_match_the_database_seed() {
        let types: Vec<_> = ContractType::ALL
            .iter()
            .map(|t| (t.code(), t.label_zh(), t.label_en()))
            .collect();
        assert_eq!(
            types,
            [
                ("development", "技术开发", "Technology development"),
                ("transfer", "技术转让", "Technology transfer"),
                ("licensing", "技术许可", "Technology licensing"),
                ("consulting", "技术咨询", "Technology consulting"),
                ("service", "技术服务", "Technology service"),
            ]
        );
        let fields: Vec<_> = TechField::ALL.iter().map(|f| f.code()).collect();
        assert_eq!(
            fields,
            [
                "electronic_information",
                "aerospace",
                "advanced_manufacturing",
                "biomedicine",
                "new_materials",
                "new_energy",
                "environment",
                "nuclear",
                "agriculture",
                "modern_transport",
                "urban_social",
            ]
        );
        assert_eq!(TechField::Biomedicine.label_zh(), "生物、医药和医疗器械");
        assert_eq!(
            TechField::Environment.label_en(),
            "Environmental protection and resource utilisation"
        );
        let ip: Vec<_> = IpType::ALL
            .iter()
            .map(|i| (i.code(), i.label_zh()))
            .collect();
        assert_eq!(
            ip,
            [
                ("patent", "专利"),
                ("know_how", "技术秘密"),
                ("software_copyright", "计算机软件著作权"),
                ("ic_layout", "集成电路布图设计专有权"),
                ("plant_variety", "植物新品种权"),
                ("biomedical_variety", "生物医药新品种"),
                ("other_ip", "其他知识产权"),
                ("none", "未涉及知识产权"),
            ]
        );
        let kinds: Vec<_> = PartyKind::ALL
            .iter()
            .map(|k| (k.code(), k.label_zh()))
            .collect();
        assert_eq!(
            kinds,
            [
                ("enterprise", "企业"),
                ("university", "高等院校"),
                ("research_institute", "科研机构"),
                ("individual", "个人"),
                ("other", "其他"),
            ]
        );
        let flows: Vec<_> = Flow::ALL.iter().map(|f| (f.code(), f.label_zh())).collect();
        assert_eq!(
            flows,
            [
                ("local", "本地"),
                ("outflow", "技术输出"),
                ("inflow", "技术吸纳"),
                ("other", "其他"),
            ]
        );
    }

    #[test]
    fn subtypes_match_the_database_seed() {
        let table: Vec<_> = Subtype::ALL
            .iter()
            .map(|s| {
                (
                    s.contract_type().code(),
                    s.code(),
                    s.label_zh(),
                    s.label_en(),
                )
            })
            .collect();
        assert_eq!(
            table,
            [
                (
                    "development",
                    "commissioned",
                    "委托开发",
                    "Commissioned development"
                ),
                (
                    "development",
                    "cooperative",
                    "合作开发",
                    "Cooperative development"
                ),
                ("transfer", "patent", "专利权转让", "Patent right transfer"),
                (
                    "transfer",
                    "patent_application",
                    "专利申请权转让",
                    "Patent application right transfer"
                ),
                ("transfer", "know_how", "技术秘密转让", "Know-how transfer"),
                ("transfer", "other", "其他", "Other"),
                (
                    "licensing",
                    "patent_exclusive",
                    "独占实施许可",
                    "Exclusive patent licence"
                ),
                (
                    "licensing",
                    "patent_sole",
                    "排他实施许可",
                    "Sole patent licence"
                ),
                (
                    "licensing",
                    "patent_ordinary",
                    "普通实施许可",
                    "Non-exclusive patent licence"
                ),
                (
                    "licensing",
                    "know_how",
                    "技术秘密使用许可",
                    "Know-how licence"
                ),
                ("licensing", "other", "其他", "Other"),
                (
                    "service",
                    "general",
                    "一般技术服务",
                    "General technical service"
                ),
                ("service", "training", "技术培训", "Technical training"),
                (
                    "service",
                    "intermediary",
                    "技术中介",
                    "Technology intermediary"
                ),
            ]
        );
    }

    #[test]
    fn subtypes_and_their_types_agree() {
        for t in ContractType::ALL {
            for s in t.subtypes() {
                assert_eq!(s.contract_type(), *t);
            }
        }
        let listed: usize = ContractType::ALL.iter().map(|t| t.subtypes().len()).sum();
        assert_eq!(listed, Subtype::ALL.len());
    }

    #[test]
    fn the_same_subtype_code_means_different_things_per_type() {
        let cases = [
            (ContractType::Transfer, "know_how", Subtype::KnowHowTransfer),
            (ContractType::Licensing, "know_how", Subtype::KnowHowLicence),
            (ContractType::Transfer, "other", Subtype::OtherTransfer),
            (ContractType::Licensing, "other", Subtype::OtherLicence),
            (ContractType::Service, "training", Subtype::Training),
        ];
        for (t, code, expected) in cases {
            assert_eq!(Subtype::parse(t, code), Ok(expected), "{t} {code}");
        }
    }

    #[test]
    fn a_subtype_of_another_type_is_refused() {
        let cases = [
            (ContractType::Development, "patent"),
            (ContractType::Service, "commissioned"),
            (ContractType::Consulting, "other"),
            (ContractType::Transfer, "Patent"),
            (ContractType::Transfer, ""),
        ];
        for (t, code) in cases {
            assert!(Subtype::parse(t, code).is_err(), "{t} {code}");
        }
        let err = Subtype::parse(ContractType::Development, "patent").unwrap_err();
        assert_eq!(
            err.to_string(),
            "unknown subtype for development contracts \"patent\"; allowed: commissioned, cooperative"
        );
        assert!(err.message_zh().contains("委托开发（commissioned）"));
        let none = Subtype::parse(ContractType::Consulting, "other").unwrap_err();
        assert!(none.to_string().contains("no value is allowed"), "{none}");
    }

    #[test]
    fn subtypes_are_found_by_label() {
        let cases = [
            (ContractType::Development, "委托开发", Subtype::Commissioned),
            (
                ContractType::Development,
                "合作开发合同",
                Subtype::Cooperative,
            ),
            (
                ContractType::Licensing,
                "独占实施许可",
                Subtype::ExclusiveLicence,
            ),
            (
                ContractType::Licensing,
                "Sole patent licence",
                Subtype::SoleLicence,
            ),
            (ContractType::Transfer, " 其他 ", Subtype::OtherTransfer),
            (ContractType::Service, "INTERMEDIARY", Subtype::Intermediary),
        ];
        for (t, label, expected) in cases {
            assert_eq!(Subtype::from_label(t, label), Ok(expected), "{label}");
        }
        assert!(Subtype::from_label(ContractType::Transfer, "独占实施许可").is_err());
    }

    #[test]
    fn subtypes_serialise_as_their_code() {
        assert_eq!(
            serde_json::to_string(&Subtype::KnowHowLicence).unwrap(),
            "\"know_how\""
        );
        assert_eq!(
            Subtype::PatentApplicationTransfer.to_string(),
            "patent_application"
        );
    }

    #[test]
    fn every_list_reads_its_chinese_labels() {
        assert_eq!(
            ContractType::from_label("技术服务合同"),
            Ok(ContractType::Service)
        );
        assert_eq!(TechField::from_label("核应用"), Ok(TechField::Nuclear));
        assert_eq!(
            TechField::from_label("电子信息技术"),
            Ok(TechField::ElectronicInformation)
        );
        assert_eq!(
            IpType::from_label("未涉及知识产权"),
            Ok(IpType::NotInvolved)
        );
        assert_eq!(
            IpType::from_label("Software copyright"),
            Ok(IpType::SoftwareCopyright)
        );
        assert_eq!(PartyKind::from_label("高等院校"), Ok(PartyKind::University));
        assert_eq!(Flow::from_label("技术吸纳"), Ok(Flow::Inflow));
        assert!(IpType::from_label("专利合同").is_err());
    }

    #[test]
    fn every_code_round_trips_through_serde() {
        fn round_trip<T>(all: &[T])
        where
            T: Serialize + serde::de::DeserializeOwned + PartialEq + fmt::Debug,
        {
            for v in all {
                let json = serde_json::to_string(v).unwrap();
                assert_eq!(&serde_json::from_str::<T>(&json).unwrap(), v);
            }
        }
        round_trip(ContractType::ALL);
        round_trip(TechField::ALL);
        round_trip(IpType::ALL);
        round_trip(PartyKind::ALL);
        round_trip(Flow::ALL);
        assert!(serde_json::from_str::<TechField>("\"nuclear_power\"").is_err());
    }

    #[test]
    fn only_individuals_go_without_a_credit_code() {
        for kind in PartyKind::ALL {
            assert_eq!(
                kind.requires_credit_code(),
                *kind != PartyKind::Individual,
                "{kind}"
            );
        }
    }

    #[test]
    fn flow_is_seen_from_linyi() {
        let cases = [
            ("371302", "371311", Flow::Local),
            ("371300", "371329", Flow::Local),
            ("371302", "310115", Flow::Outflow),
            ("371302", "000000", Flow::Outflow),
            ("310115", "371302", Flow::Inflow),
            ("000000", "371302", Flow::Inflow),
            ("310115", "110101", Flow::Other),
            ("370102", "370211", Flow::Other),
        ];
        for (seller, buyer, flow) in cases {
            assert_eq!(Flow::of(&r(seller), &r(buyer)), flow, "{seller} → {buyer}");
        }
    }

    #[test]
    fn introduced_achievements_need_type_buyer_and_seller() {
        use ContractType as T;
        let cases = [
            (T::Transfer, "310115", "371302", true),
            (T::Licensing, "320102", "371300", true),
            (T::Development, "330100", "371329", true),
            (T::Development, "340000", "371302", true),
            (T::Transfer, "370102", "371302", true),
            (T::Transfer, "370211", "371302", true),
            (T::Consulting, "310115", "371302", false),
            (T::Service, "310115", "371302", false),
            (T::Transfer, "371302", "310115", false),
            (T::Transfer, "310115", "370102", false),
            (T::Transfer, "370302", "371302", false),
            (T::Transfer, "110101", "371302", false),
            (T::Transfer, "000000", "371302", false),
        ];
        for (t, seller, buyer, expected) in cases {
            assert_eq!(
                is_introduced(t, &r(seller), &r(buyer)),
                expected,
                "{t} {seller} → {buyer}"
            );
        }
    }
}

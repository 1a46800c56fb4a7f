//! Word lists and the names built from them: companies, universities, institutes, hospitals,
//! people, foreign firms, and contract titles. Every name is synthetic; a generated name may
//! happen to match a real organisation, but its credit code never does (codes are random).

use rand::Rng;

use super::random::{DemoRng, chance, one_of, pick};
use crate::domain::{ContractType, IpType, RegionCode, RegionLevel, Subtype, TechField};

/// Characters for trade names (字号): two distinct ones make a name such as 恒瑞 or 沂蒙.
const TRADE_CHARS: &[&str] = &[
    "华", "恒", "鑫", "瑞", "泰", "盛", "源", "达", "丰", "宏", "远", "新", "兴", "德", "金", "鼎",
    "正", "信", "和", "润", "通", "博", "智", "创", "力", "天", "海", "嘉", "安", "康", "禾", "晟",
    "昊", "昌", "隆", "弘", "宇", "航", "辰", "星", "锐", "峰", "岳", "川", "永", "益", "友", "诚",
    "中", "大", "凯", "颐", "绿", "蓝", "东", "明", "光", "阳", "春", "晨", "启", "元", "亿", "众",
    "聚", "合", "汇", "联", "优", "卓", "越", "美", "佳", "福", "祥", "顺", "利", "旺", "豪", "铭",
    "科", "精", "工", "实", "立", "久", "长", "宝", "玉", "乾",
];

/// Two-character trade names with a Linyi ring (mountains, rivers, history).
const LOCAL_TRADE_NAMES: &[&str] = &[
    "沂蒙", "琅琊", "银雀", "蒙山", "沂河", "沭河", "祊河", "兰陵", "羲之", "智圣", "龟蒙", "孟良",
    "启阳", "开阳",
];

/// Industry words of company names, by technical field.
fn industry_words(field: TechField) -> &'static [&'static str] {
    match field {
        TechField::AdvancedManufacturing => &[
            "机械",
            "重工",
            "智能装备",
            "机床",
            "工程机械",
            "数控科技",
            "液压科技",
            "轴承",
            "汽车零部件",
            "自动化设备",
            "木业机械",
            "农业装备",
        ],
        TechField::NewMaterials => &[
            "新材料",
            "不锈钢",
            "磁材",
            "复合材料",
            "高分子材料",
            "特种玻璃",
            "陶瓷科技",
            "木业",
            "板材",
            "铝业",
            "新型建材",
        ],
        TechField::Biomedicine => &[
            "制药",
            "药业",
            "生物科技",
            "医疗器械",
            "生物工程",
            "健康科技",
            "中药饮片",
            "医药科技",
        ],
        TechField::ElectronicInformation => &[
            "电子科技",
            "信息技术",
            "软件",
            "智能科技",
            "网络科技",
            "数据科技",
            "物联网科技",
            "电子",
        ],
        TechField::Agriculture => &[
            "农业科技",
            "食品",
            "种业",
            "肥业",
            "农牧",
            "果蔬",
            "茶业",
            "生态农业",
            "面粉",
            "食品科技",
        ],
        TechField::NewEnergy => &[
            "新能源",
            "光伏科技",
            "储能科技",
            "节能科技",
            "电力科技",
            "热能科技",
        ],
        TechField::Environment => &["环保科技", "水处理", "再生资源", "环境工程", "节能环保"],
        TechField::Nuclear => &["核技术应用", "辐照科技", "同位素科技"],
        TechField::Aerospace => &["航空科技", "无人机科技", "航天科技", "北斗科技"],
        TechField::ModernTransport => &["物流", "供应链管理", "交通科技", "汽车科技", "商贸物流"],
        TechField::UrbanSocial => &[
            "建筑科技",
            "建设工程",
            "园林工程",
            "规划设计",
            "建筑设计",
            "市政工程",
        ],
    }
}

/// Legal forms of Chinese companies, with weights.
const COMPANY_FORMS: &[(&str, u32)] = &[
    ("有限公司", 70),
    ("股份有限公司", 15),
    ("集团有限公司", 8),
    ("有限责任公司", 7),
];

/// Disciplines in university names.
const UNIVERSITY_DISCIPLINES: &[&str] = &[
    "理工",
    "科技",
    "农业",
    "医科",
    "工业",
    "师范",
    "交通",
    "建筑",
    "石油",
    "轻工",
    "中医药",
    "工程",
    "信息工程",
    "化工",
    "机电",
    "财经",
    "海洋",
    "电子科技",
    "农林",
];

/// Research topics in institute names.
const INSTITUTE_TOPICS: &[&str] = &[
    "工业技术",
    "农业科学",
    "林业科学",
    "先进制造技术",
    "新材料",
    "生物医药",
    "食品工业",
    "环境科学",
    "智能制造",
    "化工",
    "信息技术",
    "能源",
    "建筑科学",
    "交通科学",
    "中医药",
    "产业技术",
    "现代农业",
    "检验检测",
];

/// Common Chinese surnames, roughly by frequency.
const SURNAMES: &[(&str, u32)] = &[
    ("王", 72),
    ("李", 70),
    ("张", 66),
    ("刘", 54),
    ("陈", 46),
    ("杨", 32),
    ("赵", 20),
    ("黄", 22),
    ("周", 19),
    ("吴", 19),
    ("徐", 14),
    ("孙", 15),
    ("胡", 10),
    ("朱", 13),
    ("高", 10),
    ("林", 10),
    ("何", 9),
    ("郭", 10),
    ("马", 9),
    ("罗", 7),
    ("梁", 7),
    ("宋", 6),
    ("郑", 6),
    ("谢", 6),
    ("韩", 5),
    ("唐", 5),
    ("冯", 5),
    ("于", 5),
    ("董", 5),
    ("萧", 2),
    ("程", 4),
    ("曹", 5),
    ("袁", 4),
    ("邓", 5),
    ("许", 4),
    ("傅", 3),
    ("沈", 3),
    ("曾", 4),
    ("彭", 3),
    ("吕", 3),
    ("苏", 3),
    ("卢", 3),
    ("蒋", 3),
    ("蔡", 3),
    ("贾", 3),
    ("丁", 3),
    ("魏", 3),
    ("薛", 2),
    ("叶", 3),
    ("阎", 2),
    ("颜", 2),
    ("孔", 2),
    ("庞", 2),
    ("厉", 1),
    ("诸葛", 1),
];

/// Characters of given names.
const GIVEN_CHARS: &[&str] = &[
    "伟", "芳", "娜", "敏", "静", "丽", "强", "磊", "军", "洋", "勇", "艳", "杰", "娟", "涛", "明",
    "超", "秀", "霞", "平", "刚", "桂", "英", "华", "建", "国", "文", "志", "海", "波", "鹏", "宇",
    "浩", "晨", "欣", "悦", "子", "涵", "博", "轩", "睿", "雪", "梅", "玉", "兰", "振", "东", "鑫",
    "凯", "红", "亮", "辉", "峰", "林",
];

/// Foreign parties: (country code, company stems, industry words, legal form).
const FOREIGN: &[(&str, &[&str], &[&str], &str)] = &[
    (
        "DEU",
        &[
            "Schneider",
            "Hoffmann",
            "Becker",
            "Krause",
            "Wagner",
            "Lindner",
        ],
        &[
            "Maschinenbau",
            "Verfahrenstechnik",
            "Werkstoffe",
            "Antriebstechnik",
        ],
        "GmbH",
    ),
    (
        "JPN",
        &["Takahashi", "Kobayashi", "Nakamura", "Yamada", "Fujimoto"],
        &["Seiki", "Kagaku", "Denki", "Kogyo"],
        "Co., Ltd.",
    ),
    (
        "KOR",
        &["Hanil", "Daesung", "Seoyoung", "Mirae", "Kumho"],
        &["Tech", "Materials", "Precision", "Bio"],
        "Co., Ltd.",
    ),
    (
        "USA",
        &["Northfield", "Redwood", "Blue Ridge", "Lakeshore", "Summit"],
        &["Materials", "Analytics", "Biosciences", "Robotics"],
        "Inc.",
    ),
    (
        "ISR",
        &["Negev", "Galil", "Carmel", "Arava"],
        &["Agritech", "Water Solutions", "Irrigation", "Medical"],
        "Ltd.",
    ),
    (
        "SGP",
        &["Lion Bay", "Marina", "Straits", "Temasek Park"],
        &["Solutions", "Engineering", "Logistics Tech"],
        "Pte. Ltd.",
    ),
    (
        "ITA",
        &["Rossi", "Bianchi", "Ferraro", "Colombo"],
        &["Meccanica", "Impianti", "Tecnologie"],
        "S.p.A.",
    ),
    (
        "FRA",
        &["Durand", "Lefebvre", "Moreau", "Girard"],
        &["Technologies", "Industrie", "Biotech"],
        "SAS",
    ),
    (
        "NLD",
        &["Van Dijk", "De Vries", "Bakker", "Visser"],
        &["Agro", "Greenhouse Systems", "Food Tech"],
        "B.V.",
    ),
    (
        "FIN",
        &["Lahti", "Kallio", "Virtanen", "Saari"],
        &["Forest Tech", "Wood Systems", "Clean Energy"],
        "Oy",
    ),
];

/// The countries foreign parties come from, with weights.
pub(super) const FOREIGN_WEIGHTS: &[(usize, u32)] = &[
    (0, 24),
    (1, 20),
    (2, 18),
    (3, 14),
    (4, 6),
    (5, 5),
    (6, 5),
    (7, 4),
    (8, 2),
    (9, 2),
];

/// A short place name for organisation names: 上海 for any Shanghai district, 苏州 for a
/// Suzhou county, the province for counties without a named prefecture.
pub(super) fn place_short(region: RegionCode) -> String {
    let province = RegionCode::parse(&format!("{}0000", region.province_prefix())).ok();
    let province_short = province
        .map(|p| strip_division(p.name_zh()))
        .unwrap_or_default();
    if matches!(region.province_prefix(), "11" | "12" | "31" | "50") {
        return province_short;
    }
    let prefecture = match region.level() {
        RegionLevel::Prefecture => Some(region),
        RegionLevel::County => region
            .parent()
            .filter(|p| p.level() == RegionLevel::Prefecture),
        _ => None,
    };
    match prefecture {
        Some(p) if p.name_zh().ends_with('市') => strip_division(p.name_zh()),
        _ => province_short,
    }
}

/// The province's short name (山东, 江苏, 广西…).
pub(super) fn province_short(region: RegionCode) -> String {
    RegionCode::parse(&format!("{}0000", region.province_prefix()))
        .map(|p| strip_division(p.name_zh()))
        .unwrap_or_default()
}

/// A division name without its administrative suffix.
fn strip_division(name: &str) -> String {
    for suffix in [
        "维吾尔自治区",
        "壮族自治区",
        "回族自治区",
        "自治区",
        "特别行政区",
        "省",
        "市",
    ] {
        if let Some(short) = name.strip_suffix(suffix)
            && !short.is_empty()
        {
            return short.to_string();
        }
    }
    name.to_string()
}

/// A county's own short name for company names (沂水, 费县), if it is a county.
fn county_short(region: RegionCode) -> Option<String> {
    let name = region.name_zh();
    let short = name.strip_suffix('县')?;
    Some(if short.chars().count() < 2 {
        name.to_string()
    } else {
        short.to_string()
    })
}

/// Two distinct trade-name characters, or a local trade name.
fn trade_name(rng: &mut DemoRng, local: bool) -> String {
    if local && chance(rng, 12) {
        return (*one_of(rng, LOCAL_TRADE_NAMES)).to_string();
    }
    let first = *one_of(rng, TRADE_CHARS);
    loop {
        let second = *one_of(rng, TRADE_CHARS);
        if second != first {
            return format!("{first}{second}");
        }
    }
}

/// A company name such as 临沂恒瑞新材料有限公司 or 苏州华信智能科技股份有限公司.
pub(super) fn company(rng: &mut DemoRng, region: RegionCode, field: TechField) -> String {
    let place = if region.is_linyi() {
        match rng.gen_range(0..10) {
            0..=4 => "临沂".to_string(),
            5..=7 => "山东".to_string(),
            _ => county_short(region).unwrap_or_else(|| "临沂".to_string()),
        }
    } else if chance(rng, 25) {
        province_short(region)
    } else {
        place_short(region)
    };
    let trade = trade_name(rng, region.is_linyi());
    let industry = *one_of(rng, industry_words(field));
    let form = pick(rng, COMPANY_FORMS);
    format!("{place}{trade}{industry}{form}")
}

/// A university name such as 山东理工学院 or 江苏农业大学.
pub(super) fn university(rng: &mut DemoRng, region: RegionCode) -> String {
    let place = if chance(rng, 60) {
        province_short(region)
    } else {
        place_short(region)
    };
    let discipline = *one_of(rng, UNIVERSITY_DISCIPLINES);
    let kind = match rng.gen_range(0..10) {
        0..=4 => "大学",
        5..=7 => "学院",
        _ => "职业技术学院",
    };
    if kind == "职业技术学院" {
        format!("{place}{discipline}职业学院")
    } else {
        format!("{place}{discipline}{kind}")
    }
}

/// A research institute name such as 临沂市农业科学研究院 or 南京新材料研究所.
pub(super) fn institute(rng: &mut DemoRng, region: RegionCode) -> String {
    let topic = *one_of(rng, INSTITUTE_TOPICS);
    match rng.gen_range(0..10) {
        0..=3 => format!("{}市{topic}研究院", place_short(region)),
        4..=5 => format!("{}省{topic}研究所", province_short(region)),
        _ => format!(
            "{}{}{topic}研究院",
            place_short(region),
            trade_name(rng, region.is_linyi())
        ),
    }
}

/// An "other" organisation: a hospital, an association or a public service centre.
pub(super) fn other_organisation(
    rng: &mut DemoRng,
    region: RegionCode,
    field: TechField,
) -> String {
    let place = place_short(region);
    match rng.gen_range(0..4) {
        0 => format!("{place}市人民医院"),
        1 => format!("{place}市中医医院"),
        2 => format!("{place}市{}行业协会", industry_words(field)[0]),
        _ => format!(
            "{place}市{}技术服务中心",
            INSTITUTE_TOPICS[rng.gen_range(0..INSTITUTE_TOPICS.len())]
        ),
    }
}

/// A person's name: surname and one or two given-name characters.
pub(super) fn person(rng: &mut DemoRng) -> String {
    let surname = pick(rng, SURNAMES);
    let first = *one_of(rng, GIVEN_CHARS);
    if chance(rng, 65) {
        let second = *one_of(rng, GIVEN_CHARS);
        format!("{surname}{first}{second}")
    } else {
        format!("{surname}{first}")
    }
}

/// A foreign company name and its country code.
pub(super) fn foreign(rng: &mut DemoRng) -> (String, &'static str) {
    let (country, stems, industries, form) = FOREIGN[pick(rng, FOREIGN_WEIGHTS)];
    let stem = *one_of(rng, stems);
    let industry = *one_of(rng, industries);
    (format!("{stem} {industry} {form}"), country)
}

/// What a contract is about, by field: products and technologies.
fn objects(field: TechField) -> &'static [&'static str] {
    match field {
        TechField::AdvancedManufacturing => &[
            "智能数控机床",
            "工程机械液压系统",
            "装载机传动系统",
            "工业机器人焊接工作站",
            "高精度轴承",
            "自动化包装生产线",
            "花生收获机",
            "人造板连续热压设备",
            "汽车零部件精密铸件",
            "智能立体仓储装备",
            "激光切割设备",
            "减速机",
        ],
        TechField::NewMaterials => &[
            "高性能不锈钢带材",
            "稀土永磁材料",
            "无醛生态板材",
            "生物基胶黏剂",
            "碳纤维复合材料",
            "高分子防水卷材",
            "特种陶瓷",
            "石墨烯改性涂料",
            "铝合金型材",
            "玻璃纤维增强材料",
            "高强度钢结构件",
            "耐磨铸铁",
        ],
        TechField::Biomedicine => &[
            "中药配方颗粒",
            "缓控释制剂",
            "生物发酵工艺",
            "医用敷料",
            "体外诊断试剂",
            "仿制药一致性评价",
            "金银花提取物",
            "功能性益生菌",
            "医用影像设备",
            "微创手术器械",
            "兽用疫苗",
            "创新药制剂",
        ],
        TechField::ElectronicInformation => &[
            "工业互联网平台",
            "智慧物流信息系统",
            "企业资源管理系统",
            "物联网传感终端",
            "机器视觉检测系统",
            "大数据分析平台",
            "商贸城电子商务平台",
            "嵌入式控制软件",
            "5G通信模组",
            "智能安防系统",
            "数字孪生工厂",
            "电力监控软件",
        ],
        TechField::Agriculture => &[
            "金银花高产栽培",
            "蔬菜无土栽培",
            "小麦新品种",
            "花生高油酸品种",
            "生猪健康养殖",
            "果蔬保鲜贮藏",
            "水肥一体化",
            "茶叶精深加工",
            "食用菌工厂化生产",
            "中药材规范化种植",
            "肉制品低温加工",
            "板栗深加工",
        ],
        TechField::NewEnergy => &[
            "分布式光伏发电",
            "锂电池储能系统",
            "工业余热回收",
            "高效节能电机",
            "氢燃料电池",
            "生物质能源",
            "智能微电网",
            "LED照明节能",
            "空气源热泵",
            "充电桩运营管理系统",
        ],
        TechField::Environment => &[
            "工业废水处理",
            "固体废物资源化",
            "VOCs废气治理",
            "污染土壤修复",
            "污泥无害化处理",
            "建筑垃圾再生利用",
            "河道生态修复",
            "农村生活污水处理",
            "烟气脱硫脱硝",
            "废旧塑料再生",
        ],
        TechField::Nuclear => &[
            "辐照灭菌",
            "核技术无损检测",
            "同位素示踪",
            "辐射防护",
            "辐照育种",
        ],
        TechField::Aerospace => &[
            "无人机飞控系统",
            "航空复合材料构件",
            "卫星遥感数据应用",
            "航空零部件精密加工",
            "北斗导航终端",
        ],
        TechField::ModernTransport => &[
            "城市配送路径优化",
            "冷链物流监控",
            "新能源汽车动力总成",
            "多式联运调度",
            "智能交通信号控制",
            "商用车轻量化",
            "港口装卸自动化",
            "物流园区智能调度",
        ],
        TechField::UrbanSocial => &[
            "装配式建筑",
            "智慧社区管理",
            "建筑节能改造",
            "海绵城市",
            "老旧小区改造",
            "城市排水管网监测",
            "公共卫生应急管理",
            "智慧养老服务平台",
        ],
    }
}

/// Which words a title uses: indices into the lists, fixed when the contract is planned so
/// the title can be built when it is submitted.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub(super) struct TitleParts {
    /// Index into the field's objects.
    pub object: u8,
    /// Which template of the type.
    pub template: u8,
}

impl TitleParts {
    /// Random title parts.
    pub fn random(rng: &mut DemoRng) -> TitleParts {
        TitleParts {
            object: rng.gen_range(0..=u8::MAX),
            template: rng.gen_range(0..=u8::MAX),
        }
    }
}

/// The title of a contract, e.g. 无醛生态板材关键技术研发 or 一种高精度轴承的制备方法专利权转让.
pub(super) fn title(
    parts: TitleParts,
    contract_type: ContractType,
    subtype: Option<Subtype>,
    field: TechField,
    ip: IpType,
) -> String {
    let list = objects(field);
    let object = list[usize::from(parts.object) % list.len()];
    let t = usize::from(parts.template);
    let choose = |options: &[&str]| options[t % options.len()].replace("{}", object);
    match (contract_type, subtype) {
        (ContractType::Development, Some(Subtype::Cooperative)) => choose(&[
            "{}产业化关键技术合作开发",
            "{}联合研发",
            "{}工程化技术合作开发",
        ]),
        (ContractType::Development, _) => choose(&[
            "{}关键技术研发",
            "{}研制",
            "{}技术开发",
            "{}工艺优化与开发",
            "新一代{}研发",
            "{}智能化升级技术开发",
        ]),
        (ContractType::Transfer, Some(Subtype::PatentTransfer)) => choose(&[
            "一种{}的制备方法专利权转让",
            "{}专利权转让",
            "一种{}装置专利权转让",
        ]),
        (ContractType::Transfer, Some(Subtype::PatentApplicationTransfer)) => {
            choose(&["{}专利申请权转让", "一种{}系统专利申请权转让"])
        }
        (ContractType::Transfer, Some(Subtype::KnowHowTransfer)) => {
            choose(&["{}技术秘密转让", "{}生产工艺技术转让"])
        }
        (ContractType::Transfer, _) => format!("{object}{}转让", ip_words(ip)),
        (ContractType::Licensing, Some(Subtype::ExclusiveLicence)) => {
            format!("{object}专利独占实施许可")
        }
        (ContractType::Licensing, Some(Subtype::SoleLicence)) => {
            format!("{object}专利排他实施许可")
        }
        (ContractType::Licensing, Some(Subtype::OrdinaryLicence)) => {
            choose(&["{}专利普通实施许可", "一种{}的制备方法专利实施许可"])
        }
        (ContractType::Licensing, Some(Subtype::KnowHowLicence)) => {
            format!("{object}技术秘密使用许可")
        }
        (ContractType::Licensing, _) => format!("{object}{}使用许可", ip_words(ip)),
        (ContractType::Consulting, _) => choose(&[
            "{}项目可行性研究",
            "{}技术咨询",
            "{}项目技术评估",
            "{}技术路线论证",
            "{}产业发展规划咨询",
        ]),
        (ContractType::Service, Some(Subtype::Training)) => {
            choose(&["{}专业技术培训", "{}操作与维护技术培训"])
        }
        (ContractType::Service, Some(Subtype::Intermediary)) => {
            choose(&["{}技术中介服务", "{}科技成果转化对接服务"])
        }
        (ContractType::Service, _) => choose(&[
            "{}技术服务",
            "{}检测分析服务",
            "{}工艺改进技术服务",
            "{}系统运维技术服务",
            "{}设计服务",
            "{}技术攻关服务",
        ]),
    }
}

/// How a title names an IP right.
fn ip_words(ip: IpType) -> &'static str {
    match ip {
        IpType::Patent => "专利",
        IpType::KnowHow => "技术秘密",
        IpType::SoftwareCopyright => "软件著作权",
        IpType::IcLayout => "集成电路布图设计",
        IpType::PlantVariety => "植物新品种权",
        IpType::BiomedicalVariety => "生物医药新品种",
        IpType::OtherIp | IpType::NotInvolved => "技术成果",
    }
}

#[cfg(test)]
#[allow(clippy::unwrap_used)]
mod tests {
    use super::*;
    use rand::SeedableRng;

    #[test]
    fn place_names_drop_the_division_suffix() {
        let r = |c: &str| RegionCode::parse(c).unwrap();
        assert_eq!(place_short(r("310115")), "上海");
        assert_eq!(place_short(r("320583")), "苏州");
        assert_eq!(place_short(r("371302")), "临沂");
        assert_eq!(province_short(r("450102")), "广西");
        assert_eq!(county_short(r("371323")).as_deref(), Some("沂水"));
        assert_eq!(county_short(r("371325")).as_deref(), Some("费县"));
        assert_eq!(county_short(r("371302")), None);
    }

    #[test]
    fn names_look_like_names() {
        let mut rng = DemoRng::seed_from_u64(3);
        let lanshan = RegionCode::parse("371302").unwrap();
        for _ in 0..200 {
            let name = company(&mut rng, lanshan, TechField::NewMaterials);
            assert!(name.ends_with("公司"), "{name}");
            assert!(
                name.chars().count() >= 8 && name.chars().count() <= 24,
                "{name}"
            );
            let person = person(&mut rng);
            assert!((2..=4).contains(&person.chars().count()), "{person}");
            let (foreign, country) = foreign(&mut rng);
            assert!(foreign.is_ascii() && country.len() == 3);
        }
    }

    #[test]
    fn every_title_is_filled_in() {
        for &contract_type in ContractType::ALL {
            let subtypes: Vec<Option<Subtype>> = std::iter::once(None)
                .chain(contract_type.subtypes().iter().copied().map(Some))
                .collect();
            for subtype in subtypes {
                for &field in TechField::ALL {
                    for template in 0..8 {
                        let parts = TitleParts {
                            object: template * 3,
                            template,
                        };
                        let t = title(parts, contract_type, subtype, field, IpType::Patent);
                        assert!(
                            !t.contains("{}") && t.chars().count() > 4 && t.chars().count() < 60,
                            "{t}"
                        );
                    }
                }
            }
        }
    }
}

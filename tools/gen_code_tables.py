#!/usr/bin/env python3
"""Generate the code-table migrations of techledger (SQLite and PostgreSQL).

Reads  data/gbt2260-2024.txt          (`code name`, one a line, UTF-8)
Writes migrations/sqlite/2026-11-25-000001_code_tables/{up,down}.sql
       migrations/postgres/2026-11-25-000001_code_tables/{up,down}.sql
       data/regions-en.tsv             (code, name_en; for review)

The output is committed: nobody needs this script (or pypinyin) to build.
To regenerate:

    pip install pypinyin
    python3 tools/gen_code_tables.py

The SQL is plain enough to run unchanged on SQLite 3.45+ and PostgreSQL 15,
so both migrations get the same text.

English region names: Hanyu Pinyin of the name without its administrative
suffix (syllables joined, apostrophe before a/o/e, ü kept), first letter
capitalised, plus an English suffix.  pypinyin guesses wrong on a number of
place-name readings (长治 Changzhi, 六安 Lu'an, 都 du, 勒 le, ...); those are
fixed by the tables READING_CHAR and READING_PHRASE below.  Names whose
official English differs from that rule are in NAME_EN_OVERRIDE.
"""

from __future__ import annotations

import re
import sys
from pathlib import Path

from pypinyin import Style, lazy_pinyin

ROOT = Path(__file__).resolve().parent.parent
SOURCE = ROOT / "data" / "gbt2260-2024.txt"
MIGRATION = "2026-11-25-000001_code_tables"
BACKENDS = ("sqlite", "postgres")
TSV = ROOT / "data" / "regions-en.tsv"
CHUNK = 500

# --------------------------------------------------------------------------
# Fixed code lists.  Another engineer writes the same strings in Rust and a
# test compares them: change them only together.
# --------------------------------------------------------------------------

CONTRACT_TYPES = [
    ("development", "技术开发", "Technology development"),
    ("transfer", "技术转让", "Technology transfer"),
    ("licensing", "技术许可", "Technology licensing"),
    ("consulting", "技术咨询", "Technology consulting"),
    ("service", "技术服务", "Technology service"),
]

CONTRACT_SUBTYPES = {
    "development": [
        ("commissioned", "委托开发", "Commissioned development"),
        ("cooperative", "合作开发", "Cooperative development"),
    ],
    "transfer": [
        ("patent", "专利权转让", "Patent right transfer"),
        ("patent_application", "专利申请权转让", "Patent application right transfer"),
        ("know_how", "技术秘密转让", "Know-how transfer"),
        ("other", "其他", "Other"),
    ],
    "licensing": [
        ("patent_exclusive", "独占实施许可", "Exclusive patent licence"),
        ("patent_sole", "排他实施许可", "Sole patent licence"),
        ("patent_ordinary", "普通实施许可", "Non-exclusive patent licence"),
        ("know_how", "技术秘密使用许可", "Know-how licence"),
        ("other", "其他", "Other"),
    ],
    "consulting": [],
    "service": [
        ("general", "一般技术服务", "General technical service"),
        ("training", "技术培训", "Technical training"),
        ("intermediary", "技术中介", "Technology intermediary"),
    ],
}

TECH_FIELDS = [
    ("electronic_information", "电子信息", "Electronic information"),
    ("aerospace", "航空航天", "Aerospace"),
    ("advanced_manufacturing", "先进制造", "Advanced manufacturing"),
    ("biomedicine", "生物、医药和医疗器械", "Biology, medicine and medical devices"),
    ("new_materials", "新材料及其应用", "New materials and applications"),
    ("new_energy", "新能源与高效节能", "New energy and energy efficiency"),
    ("environment", "环境保护与资源综合利用", "Environmental protection and resource utilisation"),
    ("nuclear", "核应用", "Nuclear applications"),
    ("agriculture", "农业", "Agriculture"),
    ("modern_transport", "现代交通", "Modern transport"),
    ("urban_social", "城市建设与社会发展", "Urban construction and social development"),
]

IP_TYPES = [
    ("patent", "专利", "Patent"),
    ("know_how", "技术秘密", "Know-how"),
    ("software_copyright", "计算机软件著作权", "Software copyright"),
    ("ic_layout", "集成电路布图设计专有权", "IC layout-design right"),
    ("plant_variety", "植物新品种权", "Plant variety right"),
    ("biomedical_variety", "生物医药新品种", "New biomedical variety"),
    ("other_ip", "其他知识产权", "Other IP"),
    ("none", "未涉及知识产权", "No IP involved"),
]

PARTY_KINDS = [
    ("enterprise", "企业", "Enterprise"),
    ("university", "高等院校", "University"),
    ("research_institute", "科研机构", "Research institute"),
    ("individual", "个人", "Individual"),
    ("other", "其他", "Other"),
]

# (code, name_zh, name_en, short_zh, short_en, kind); short = name unless given
OFFICES = [
    ("371302", "兰山区", "Lanshan District", None, None, "district"),
    ("371311", "罗庄区", "Luozhuang District", None, None, "district"),
    ("371312", "河东区", "Hedong District", None, None, "district"),
    ("371321", "沂南县", "Yinan County", None, None, "county"),
    ("371322", "郯城县", "Tancheng County", None, None, "county"),
    ("371323", "沂水县", "Yishui County", None, None, "county"),
    ("371324", "兰陵县", "Lanling County", None, None, "county"),
    ("371325", "费县", "Fei County", None, None, "county"),
    ("371326", "平邑县", "Pingyi County", None, None, "county"),
    ("371327", "莒南县", "Junan County", None, None, "county"),
    ("371328", "蒙阴县", "Mengyin County", None, None, "county"),
    ("371329", "临沭县", "Linshu County", None, None, "county"),
    ("371371", "临沂高新技术产业开发区", "Linyi High-tech Industrial Development Zone",
     "高新区", "High-tech Zone", "zone"),
    ("371372", "临沂经济技术开发区", "Linyi Economic and Technological Development Zone",
     "经开区", "ETDZ", "zone"),
    ("371373", "临沂临港经济开发区", "Linyi Lingang Economic Development Zone",
     "临港区", "Lingang Zone", "zone"),
]

# Names the generated regions must come out as (checked at the end).
EXPECTED_EN = {
    "370000": "Shandong Province",
    "371300": "Linyi City",
    "610000": "Shaanxi Province",
    "140000": "Shanxi Province",
    "430100": "Changsha City",
    "350200": "Xiamen City",
    "340300": "Bengbu City",
    "341500": "Lu'an City",
    "511100": "Leshan City",
    "500000": "Chongqing",
    "610100": "Xi'an City",
    **{code: en for code, _zh, en, _s, _se, kind in OFFICES if kind != "zone"},
}

# --------------------------------------------------------------------------
# Region names in English
# --------------------------------------------------------------------------

# Whole names whose English is not "pinyin + suffix".
NAME_EN_OVERRIDE = {
    "北京市": "Beijing",
    "天津市": "Tianjin",
    "上海市": "Shanghai",
    "重庆市": "Chongqing",
    "内蒙古自治区": "Inner Mongolia Autonomous Region",
    "广西壮族自治区": "Guangxi Zhuang Autonomous Region",
    "西藏自治区": "Tibet Autonomous Region (Xizang)",
    "宁夏回族自治区": "Ningxia Hui Autonomous Region",
    "新疆维吾尔自治区": "Xinjiang Uygur Autonomous Region",
    "陕西省": "Shaanxi Province",
    "山西省": "Shanxi Province",
    "台湾省": "Taiwan Province",
    "香港特别行政区": "Hong Kong Special Administrative Region",
    "澳门特别行政区": "Macao Special Administrative Region",
    # districts whose name is (almost) only the generic word
    "城区": "Urban District",
    "郊区": "Suburban District",
    "矿区": "Mining District",
    "东区": "East District",
    "西区": "West District",
    # 新区 "new areas" keep their official English
    "浦东新区": "Pudong New Area",
    "滨海新区": "Binhai New Area",
    "沈北新区": "Shenbei New District",
    # special suffixes that appear once each
    "神农架林区": "Shennongjia Forestry District",
    "六枝特区": "Liuzhi Special District",
    "达尔罕茂明安联合旗": "Da'erhan Maoming'an Joint Banner",
    "喀喇沁左翼蒙古族自治县": "Kalaqin Left Wing Mongol Autonomous County",
}

# Place-name readings pypinyin gets wrong: phrase -> syllables (one per char).
READING_PHRASE = {
    "六安": "lu an",
    "六合": "lu he",
    "马尾": "ma wei",
    "闵行": "min hang",
    "洪洞": "hong tong",
    "繁峙": "fan shi",
    "单县": "shan xian",
    "东阿": "dong e",
    "中牟": "zhong mou",
    "召陵": "shao ling",
    "乐陵": "lao ling",
    "乐亭": "lao ting",
    "乐清": "yue qing",
    "民乐": "min le",
    "南乐": "nan le",
    "荥经": "ying jing",
    "荥阳": "xing yang",
    "穆棱": "mu ling",
    "称多": "chen duo",
    "宕昌": "tan chang",
    "浪卡子": "lang ka zi",
    "蔚县": "yu xian",
    "尉犁": "yu li",
    "尉氏": "wei shi",
    "莘县": "shen xian",
    "涡阳": "guo yang",
    "泊头": "bo tou",
    "浚县": "xun xian",
    "龙圩": "long xu",
    "覃塘": "qin tang",
    "筠连": "jun lian",
    "漯河": "luo he",
    "蚌埠": "beng bu",
    "蚌山": "beng shan",
    "厦门": "xia men",
    "铅山": "yan shan",
    "费县": "fei xian",
    "莒南": "ju nan",
    "郯城": "tan cheng",
    "兰陵": "lan ling",
    "曾都": "zeng du",
}

# Characters whose place-name reading is always the same in this file.
READING_CHAR = {
    "长": "chang",   # 长沙 长治 长春 长宁 子长 ... (never zhang in a place name here)
    "都": "du",      # 成都 宁都 武都 花都 ...
    "勒": "le",      # 锡林郭勒 库尔勒 疏勒 阿勒泰 弥勒 ...
    "什": "shi",     # 克什克腾 康巴什 乌什 阿图什 什邡 ...
    "佛": "fo",      # 佛山 佛坪 佛冈
    "朝": "chao",    # 朝阳 朝天
    "柏": "bai",     # 柏乡 桐柏 双柏 万柏林
    "伽": "jia",     # 伽师
    "沂": "yi",
    "重": "chong",   # 重庆
}

SUFFIXES = [
    # (chinese suffix, english, levels it applies to)
    ("自治区", "Autonomous Region", {1}),
    ("自治州", "Autonomous Prefecture", {2}),
    ("自治县", "Autonomous County", {3}),
    ("自治旗", "Autonomous Banner", {3}),
    ("矿区", "Mining District", {3}),
    ("地区", "Prefecture", {2}),
    ("省", "Province", {1}),
    ("市", "City", {1, 2, 3}),
    ("区", "District", {3}),
    ("县", "County", {3}),
    ("旗", "Banner", {3}),
    ("盟", "League", {2}),
]

# Ethnic groups (GB 3304 romanisation, usual English forms).  Single-character
# names only match with 族 attached; longer ones also without (伊犁哈萨克自治州).
ETHNIC = {
    "蒙古": "Mongol", "回": "Hui", "藏": "Tibetan", "维吾尔": "Uygur", "苗": "Miao",
    "彝": "Yi", "壮": "Zhuang", "布依": "Bouyei", "朝鲜": "Korean", "满": "Manchu",
    "侗": "Dong", "瑶": "Yao", "白": "Bai", "土家": "Tujia", "哈尼": "Hani",
    "哈萨克": "Kazak", "傣": "Dai", "黎": "Li", "傈僳": "Lisu", "佤": "Va", "畲": "She",
    "拉祜": "Lahu", "水": "Shui", "东乡": "Dongxiang", "纳西": "Naxi", "景颇": "Jingpo",
    "柯尔克孜": "Kirgiz", "土": "Tu", "达斡尔": "Daur", "仫佬": "Mulao", "羌": "Qiang",
    "布朗": "Blang", "撒拉": "Salar", "毛南": "Maonan", "仡佬": "Gelao", "锡伯": "Xibe",
    "阿昌": "Achang", "普米": "Pumi", "塔吉克": "Tajik", "怒": "Nu", "乌孜别克": "Uzbek",
    "俄罗斯": "Russian", "鄂温克": "Ewenki", "德昂": "De'ang", "保安": "Bonan",
    "裕固": "Yugur", "京": "Gin", "塔塔尔": "Tatar", "独龙": "Derung", "鄂伦春": "Oroqen",
    "赫哲": "Hezhen", "门巴": "Monba", "珞巴": "Lhoba", "基诺": "Jino",
    "各": "Multi-ethnic",  # 各族 "all nationalities" (龙胜各族自治县)
}
_ETHNIC_TOKENS = sorted(
    [(zh + "族", en) for zh, en in ETHNIC.items()]
    + [(zh, en) for zh, en in ETHNIC.items() if len(zh) >= 2],
    key=lambda t: -len(t[0]),
)

BANNER_PARTS = [("左翼", "Left Wing"), ("右翼", "Right Wing"), ("左", "Left"),
                ("右", "Right"), ("前", "Front"), ("中", "Middle"), ("后", "Rear")]


def pinyin_word(zh: str) -> str:
    """Pinyin of a place name, syllables joined, first letter capitalised."""
    syl = lazy_pinyin(zh, style=Style.NORMAL, v_to_u=True, errors="strict")
    if len(syl) != len(zh):
        raise ValueError(f"pypinyin did not give one syllable per character: {zh} {syl}")
    fixed = [False] * len(zh)
    for phrase, reading in READING_PHRASE.items():
        parts = reading.split()
        assert len(parts) == len(phrase), phrase
        for m in re.finditer(re.escape(phrase), zh):
            for i, p in enumerate(parts):
                syl[m.start() + i] = p
                fixed[m.start() + i] = True
    for i, ch in enumerate(zh):
        if not fixed[i] and ch in READING_CHAR:
            syl[i] = READING_CHAR[ch]
    out = ""
    for i, s in enumerate(syl):
        if i > 0 and s[0] in "aoe":
            out += "'"
        out += s
    return out[:1].upper() + out[1:]


def split_ethnic(stem: str) -> tuple[str, list[str]]:
    """Strip ethnic-group words off the end of an autonomous area's name."""
    groups: list[str] = []
    while True:
        for zh, en in _ETHNIC_TOKENS:
            if stem.endswith(zh) and (len(stem) > len(zh) or zh.endswith("族") or not groups):
                groups.insert(0, en)
                stem = stem[: -len(zh)]
                break
        else:
            return stem, groups


def english_list(items: list[str]) -> str:
    if len(items) <= 2:
        return " and ".join(items)
    return ", ".join(items[:-1]) + " and " + items[-1]


def region_en(code: str, zh: str, level: int) -> str:
    if zh in NAME_EN_OVERRIDE:
        return NAME_EN_OVERRIDE[zh]
    for suf, suf_en, levels in SUFFIXES:
        if zh.endswith(suf) and level in levels and len(zh) > len(suf):
            stem = zh[: -len(suf)]
            break
    else:
        raise ValueError(f"no suffix rule for {code} {zh} (level {level})")
    words: list[str] = []
    groups: list[str] = []
    if suf.startswith("自治") or stem.endswith("族"):
        stem, groups = split_ethnic(stem)
        if not groups:
            raise ValueError(f"autonomous area without ethnic group: {code} {zh}")
    if suf == "旗":
        tail: list[str] = []
        for part, part_en in BANNER_PARTS:
            if stem.endswith(part) and len(stem) > len(part) + 1:
                tail.insert(0, part_en)
                stem = stem[: -len(part)]
                # a second part: 科尔沁左翼中旗 -> Left Wing Middle
                for part2, part2_en in BANNER_PARTS[:2]:
                    if stem.endswith(part2) and len(stem) > len(part2) + 1:
                        tail.insert(0, part2_en)
                        stem = stem[: -len(part2)]
                        break
                break
        words.append(pinyin_word(stem))
        words += tail
    elif stem:
        words.append(pinyin_word(stem))
    if groups:
        words.append(english_list(groups))
    words.append(suf_en)
    return " ".join(words)


# --------------------------------------------------------------------------
# Regions
# --------------------------------------------------------------------------

def load_regions() -> tuple[list[tuple[str, str, str, int, str | None]], list[str]]:
    names: dict[str, str] = {}
    for lineno, line in enumerate(SOURCE.read_text(encoding="utf-8").splitlines(), 1):
        if not line.strip():
            continue
        code, name = line.split(None, 1)
        name = name.strip()
        if not re.fullmatch(r"[1-9][0-9]{5}", code):
            raise ValueError(f"line {lineno}: bad code {code!r}")
        if code in names:
            raise ValueError(f"line {lineno}: duplicate code {code}")
        names[code] = name
    notes: list[str] = []
    rows = [("000000", "境外", "Abroad", 0, None)]
    for code in sorted(names):
        zh = names[code]
        if code.endswith("0000"):
            level, parent = 1, None
        elif code.endswith("00"):
            level, parent = 2, code[:2] + "0000"
        else:
            level = 3
            parent = code[:4] + "00"
            if parent not in names:
                parent = code[:2] + "0000"
                notes.append(f"{code} {zh}: no prefecture {code[:4]}00, parent {parent}")
        if parent is not None and parent not in names:
            raise ValueError(f"{code} {zh}: parent {parent} not in the file")
        rows.append((code, zh, region_en(code, zh, level), level, parent))
    seen: set[str] = set()
    for code, _zh, _en, _lv, parent in rows:
        if parent is not None and parent not in seen:
            raise ValueError(f"{code} comes before its parent {parent}")
        seen.add(code)
    return rows, notes


# --------------------------------------------------------------------------
# SQL
# --------------------------------------------------------------------------

def lit(v) -> str:
    if v is None:
        return "NULL"
    if isinstance(v, int):
        return str(v)
    if "\x00" in v:
        raise ValueError("NUL in string")
    return "'" + v.replace("'", "''") + "'"


def inserts(table: str, cols: list[str], rows: list[tuple]) -> str:
    out = []
    for i in range(0, len(rows), CHUNK):
        chunk = rows[i : i + CHUNK]
        values = ",\n".join("    (" + ", ".join(lit(v) for v in r) + ")" for r in chunk)
        out.append(f"INSERT INTO {table} ({', '.join(cols)}) VALUES\n{values};\n")
    return "\n".join(out)


SCHEMA = """\
CREATE TABLE contract_types (
    code       TEXT    NOT NULL PRIMARY KEY CHECK (length(code) > 0),
    name_zh    TEXT    NOT NULL CHECK (length(name_zh) > 0),
    name_en    TEXT    NOT NULL CHECK (length(name_en) > 0),
    sort_order INTEGER NOT NULL CHECK (sort_order > 0)
);

CREATE TABLE contract_subtypes (
    contract_type TEXT    NOT NULL REFERENCES contract_types (code),
    code          TEXT    NOT NULL CHECK (length(code) > 0),
    name_zh       TEXT    NOT NULL CHECK (length(name_zh) > 0),
    name_en       TEXT    NOT NULL CHECK (length(name_en) > 0),
    sort_order    INTEGER NOT NULL CHECK (sort_order > 0),
    PRIMARY KEY (contract_type, code)
);

CREATE TABLE tech_fields (
    code       TEXT    NOT NULL PRIMARY KEY CHECK (length(code) > 0),
    name_zh    TEXT    NOT NULL CHECK (length(name_zh) > 0),
    name_en    TEXT    NOT NULL CHECK (length(name_en) > 0),
    sort_order INTEGER NOT NULL CHECK (sort_order > 0)
);

CREATE TABLE ip_types (
    code       TEXT    NOT NULL PRIMARY KEY CHECK (length(code) > 0),
    name_zh    TEXT    NOT NULL CHECK (length(name_zh) > 0),
    name_en    TEXT    NOT NULL CHECK (length(name_en) > 0),
    sort_order INTEGER NOT NULL CHECK (sort_order > 0)
);

CREATE TABLE party_kinds (
    code       TEXT    NOT NULL PRIMARY KEY CHECK (length(code) > 0),
    name_zh    TEXT    NOT NULL CHECK (length(name_zh) > 0),
    name_en    TEXT    NOT NULL CHECK (length(name_en) > 0),
    sort_order INTEGER NOT NULL CHECK (sort_order > 0)
);

-- Registration offices: Linyi's 12 county-level divisions (GB/T 2260 codes)
-- and its three functional zones (statistical codes 371371-371373, not in
-- GB/T 2260, hence no reference to regions).
CREATE TABLE offices (
    code       TEXT    NOT NULL PRIMARY KEY CHECK (length(code) = 6),
    name_zh    TEXT    NOT NULL CHECK (length(name_zh) > 0),
    name_en    TEXT    NOT NULL CHECK (length(name_en) > 0),
    short_zh   TEXT    NOT NULL CHECK (length(short_zh) > 0),
    short_en   TEXT    NOT NULL CHECK (length(short_en) > 0),
    kind       TEXT    NOT NULL CHECK (kind IN ('district', 'county', 'zone')),
    sort_order INTEGER NOT NULL CHECK (sort_order > 0)
);

-- GB/T 2260-2024 divisions plus 000000 (abroad).  level: 0 abroad,
-- 1 province (xx0000), 2 prefecture (xxxx00), 3 county.  parent: a county's
-- prefecture xxxx00, or its province xx0000 where the file has no such
-- prefecture; a prefecture's province; NULL for provinces and abroad.
CREATE TABLE regions (
    code    TEXT    NOT NULL PRIMARY KEY CHECK (length(code) = 6),
    name_zh TEXT    NOT NULL CHECK (length(name_zh) > 0),
    name_en TEXT    NOT NULL CHECK (length(name_en) > 0),
    level   INTEGER NOT NULL CHECK (level BETWEEN 0 AND 3),
    parent  TEXT             REFERENCES regions (code),
    CHECK ((level <= 1 AND parent IS NULL) OR (level >= 2 AND parent IS NOT NULL)),
    CHECK (parent IS NULL OR substr(parent, 1, 2) = substr(code, 1, 2))
);

CREATE INDEX regions_parent_idx ON regions (parent);
"""

DOWN = """\
-- Generated by tools/gen_code_tables.py. Do not edit by hand.
DROP TABLE regions;
DROP TABLE offices;
DROP TABLE party_kinds;
DROP TABLE ip_types;
DROP TABLE tech_fields;
DROP TABLE contract_subtypes;
DROP TABLE contract_types;
"""


def numbered(items: list[tuple]) -> list[tuple]:
    return [(*item, i) for i, item in enumerate(items, 1)]


def build_up(regions: list[tuple]) -> str:
    subtypes = []
    for ctype, _zh, _en in CONTRACT_TYPES:
        for i, (code, zh, en) in enumerate(CONTRACT_SUBTYPES[ctype], 1):
            subtypes.append((ctype, code, zh, en, i))
    offices = [
        (code, zh, en, szh or zh, sen or en, kind, i)
        for i, (code, zh, en, szh, sen, kind) in enumerate(OFFICES, 1)
    ]
    std = ["code", "name_zh", "name_en", "sort_order"]
    parts = [
        "-- Generated by tools/gen_code_tables.py from data/gbt2260-2024.txt.\n"
        "-- Do not edit by hand: change the script and run it again.\n"
        "-- Runs unchanged on SQLite 3.45+ and PostgreSQL 15.\n",
        SCHEMA,
        inserts("contract_types", std, numbered(CONTRACT_TYPES)),
        inserts("contract_subtypes", ["contract_type"] + std, subtypes),
        inserts("tech_fields", std, numbered(TECH_FIELDS)),
        inserts("ip_types", std, numbered(IP_TYPES)),
        inserts("party_kinds", std, numbered(PARTY_KINDS)),
        inserts("offices", ["code", "name_zh", "name_en", "short_zh", "short_en", "kind",
                            "sort_order"], offices),
        inserts("regions", ["code", "name_zh", "name_en", "level", "parent"], regions),
    ]
    return "\n".join(parts)


def main() -> int:
    assert set(CONTRACT_SUBTYPES) == {c for c, _, _ in CONTRACT_TYPES}
    regions, notes = load_regions()
    by_code = {r[0]: r for r in regions}
    bad = [f"{c}: got {by_code[c][2]!r}, want {want!r}"
           for c, want in EXPECTED_EN.items() if by_code[c][2] != want]
    if bad:
        print("unexpected English names:\n  " + "\n  ".join(bad), file=sys.stderr)
        return 1
    for code, zh, *_ in OFFICES:
        if code in by_code and by_code[code][1] != zh:
            print(f"office {code} {zh} differs from GB/T 2260 {by_code[code][1]}", file=sys.stderr)
            return 1
    up = build_up(regions)
    for backend in BACKENDS:
        d = ROOT / "migrations" / backend / MIGRATION
        d.mkdir(parents=True, exist_ok=True)
        (d / "up.sql").write_text(up, encoding="utf-8")
        (d / "down.sql").write_text(DOWN, encoding="utf-8")
    TSV.write_text(
        "code\tname_en\n" + "".join(f"{r[0]}\t{r[2]}\n" for r in regions), encoding="utf-8"
    )
    print(f"{len(regions)} regions written ({len(notes)} county parents by the province fallback)")
    for n in notes:
        print("  " + n)
    return 0


if __name__ == "__main__":
    sys.exit(main())

//! Spreadsheet uploads cannot exhaust memory (issue 14, point 5). Through the real server
//! binary (an abort must not take the test runner with it), on SQLite and PostgreSQL: a 1.7 KB
//! XLSX whose shared-strings table announces uniqueCount="10000000000000" (which made calamine
//! reserve 240 TB and the allocator abort the process), a zip bomb (one part inflating far past
//! the limit, its declared size honest or a lie) and many parts adding up past the total — each
//! is a 422 naming the file and the limit, the server answers afterwards, and its peak resident
//! memory (VmHWM) grew by less than 100 MB. `techledger import` refuses the same files.

use std::io::{Read, Write};
use std::net::{SocketAddr, TcpStream};
use std::process::{Child, Command, Stdio};
use std::time::{Duration, Instant};

use serde_json::Value;
use zip::write::SimpleFileOptions;

use crate::support::*;

const MIB: usize = 1024 * 1024;

/// The limits the server runs with here: 8 MiB a part, 16 MiB in all, 100,000 shared strings.
const ENV_LIMITS: [(&str, &str); 3] = [
    ("TECHLEDGER_LIMITS__XLSX_ENTRY_MIB", "8"),
    ("TECHLEDGER_LIMITS__XLSX_INFLATED_MIB", "16"),
    ("TECHLEDGER_LIMITS__XLSX_SHARED_STRINGS", "100000"),
];

/// The parts of a one-sheet workbook but its shared strings and sheet.
fn skeleton() -> Vec<(&'static str, Vec<u8>)> {
    vec![
        (
            "[Content_Types].xml",
            br#"<?xml version="1.0" encoding="UTF-8" standalone="yes"?>
<Types xmlns="http://schemas.openxmlformats.org/package/2006/content-types"><Default Extension="rels" ContentType="application/vnd.openxmlformats-package.relationships+xml"/><Default Extension="xml" ContentType="application/xml"/><Override PartName="/xl/workbook.xml" ContentType="application/vnd.openxmlformats-officedocument.spreadsheetml.sheet.main+xml"/><Override PartName="/xl/worksheets/sheet1.xml" ContentType="application/vnd.openxmlformats-officedocument.spreadsheetml.worksheet+xml"/><Override PartName="/xl/sharedStrings.xml" ContentType="application/vnd.openxmlformats-officedocument.spreadsheetml.sharedStrings+xml"/></Types>"#.to_vec(),
        ),
        (
            "_rels/.rels",
            br#"<?xml version="1.0" encoding="UTF-8" standalone="yes"?>
<Relationships xmlns="http://schemas.openxmlformats.org/package/2006/relationships"><Relationship Id="rId1" Type="http://schemas.openxmlformats.org/officeDocument/2006/relationships/officeDocument" Target="xl/workbook.xml"/></Relationships>"#.to_vec(),
        ),
        (
            "xl/workbook.xml",
            br#"<?xml version="1.0" encoding="UTF-8" standalone="yes"?>
<workbook xmlns="http://schemas.openxmlformats.org/spreadsheetml/2006/main" xmlns:r="http://schemas.openxmlformats.org/officeDocument/2006/relationships"><sheets><sheet name="Sheet1" sheetId="1" r:id="rId1"/></sheets></workbook>"#.to_vec(),
        ),
        (
            "xl/_rels/workbook.xml.rels",
            br#"<?xml version="1.0" encoding="UTF-8" standalone="yes"?>
<Relationships xmlns="http://schemas.openxmlformats.org/package/2006/relationships"><Relationship Id="rId1" Type="http://schemas.openxmlformats.org/officeDocument/2006/relationships/worksheet" Target="worksheets/sheet1.xml"/><Relationship Id="rId2" Type="http://schemas.openxmlformats.org/officeDocument/2006/relationships/sharedStrings" Target="sharedStrings.xml"/></Relationships>"#.to_vec(),
        ),
    ]
}

const SHEET: &[u8] = br#"<?xml version="1.0" encoding="UTF-8" standalone="yes"?>
<worksheet xmlns="http://schemas.openxmlformats.org/spreadsheetml/2006/main"><sheetData><row r="1"><c r="A1" t="s"><v>0</v></c></row></sheetData></worksheet>"#;

fn shared_strings(unique_count: &str) -> Vec<u8> {
    format!(
        r#"<?xml version="1.0" encoding="UTF-8" standalone="yes"?>
<sst xmlns="http://schemas.openxmlformats.org/spreadsheetml/2006/main" count="1" uniqueCount="{unique_count}"><si><t>合同名称</t></si></sst>"#
    )
    .into_bytes()
}

/// A workbook of the skeleton and `parts` (name, content), deflated.
fn workbook(parts: Vec<(&str, Vec<u8>)>) -> Vec<u8> {
    let mut zip = zip::ZipWriter::new(std::io::Cursor::new(Vec::new()));
    let options = SimpleFileOptions::default().compression_method(zip::CompressionMethod::Deflated);
    for (name, content) in skeleton().into_iter().chain(parts) {
        zip.start_file(name, options).unwrap();
        zip.write_all(&content).unwrap();
    }
    zip.finish().unwrap().into_inner()
}

/// A sheet padded with `mib` MiB of spaces inside its XML (deflates to almost nothing).
fn padded_sheet(mib: usize) -> Vec<u8> {
    let mut sheet = Vec::with_capacity(mib * MIB + SHEET.len());
    let (head, tail) = SHEET.split_at(SHEET.len() - "</worksheet>".len());
    sheet.extend_from_slice(head);
    sheet.resize(head.len() + mib * MIB, b' ');
    sheet.extend_from_slice(tail);
    sheet
}

/// Rewrites the uncompressed size that the local header and the central directory declare for
/// the part `name` (a zip that lies about what it inflates to).
fn declare_size(zip: &mut [u8], name: &str, size: u32) {
    let mut patched = 0;
    for i in 0..zip.len().saturating_sub(46) {
        let (size_at, name_len_at, name_at) = match &zip[i..i + 4] {
            b"PK\x03\x04" => (22, 26, 30),
            b"PK\x01\x02" => (24, 28, 46),
            _ => continue,
        };
        let len = u16::from_le_bytes([zip[i + name_len_at], zip[i + name_len_at + 1]]) as usize;
        if zip.get(i + name_at..i + name_at + len) == Some(name.as_bytes()) {
            zip[i + size_at..i + size_at + 4].copy_from_slice(&size.to_le_bytes());
            patched += 1;
        }
    }
    assert_eq!(patched, 2, "local header and central directory of {name}");
}

/// A `techledger serve` process on its own port and data directory.
struct Server {
    child: Child,
    addr: SocketAddr,
    dir: std::path::PathBuf,
    env: Vec<(String, String)>,
    _pg: Option<PgDatabase>,
}

impl Drop for Server {
    fn drop(&mut self) {
        let _ = self.child.kill();
        let _ = self.child.wait();
        let _ = std::fs::remove_dir_all(&self.dir);
    }
}

fn free_port() -> u16 {
    std::net::TcpListener::bind("127.0.0.1:0")
        .unwrap()
        .local_addr()
        .unwrap()
        .port()
}

impl Server {
    /// Starts a server on `database_url` (a fresh SQLite file when None) with the registrar
    /// `reg` of 371302.
    fn start(pg: Option<PgDatabase>) -> Server {
        let dir = temp_dir();
        let url = match &pg {
            Some(db) => db.url.clone(),
            None => format!("sqlite://{}", dir.join("techledger.db").display()),
        };
        let port = free_port();
        let mut env: Vec<(String, String)> = vec![
            ("TECHLEDGER_DATABASE_URL".into(), url),
            (
                "TECHLEDGER_DATA_DIR".into(),
                dir.join("data").display().to_string(),
            ),
            ("TECHLEDGER_PORT".into(), port.to_string()),
            ("TECHLEDGER_ADDRESS".into(), "127.0.0.1".into()),
            ("TECHLEDGER_AUTH__ARGON2_MEMORY_KIB".into(), "64".into()),
            ("TECHLEDGER_AUTH__ARGON2_ITERATIONS".into(), "1".into()),
            ("TECHLEDGER_LOG".into(), "warn".into()),
        ];
        env.extend(
            ENV_LIMITS
                .iter()
                .map(|(k, v)| (k.to_string(), v.to_string())),
        );
        let mut add = Command::new(env!("CARGO_BIN_EXE_techledger"))
            .args(["user", "add", "--username", "reg", "--role", "registrar"])
            .args(["--office", "371302", "--password-stdin"])
            .current_dir(&dir)
            .envs(env.iter().map(|(k, v)| (k.as_str(), v.as_str())))
            .stdin(Stdio::piped())
            .stdout(Stdio::null())
            .spawn()
            .unwrap();
        add.stdin
            .take()
            .unwrap()
            .write_all(format!("{PASSWORD}\n").as_bytes())
            .unwrap();
        assert!(add.wait().unwrap().success(), "user add");
        let child = Command::new(env!("CARGO_BIN_EXE_techledger"))
            .arg("serve")
            .current_dir(&dir)
            .envs(env.iter().map(|(k, v)| (k.as_str(), v.as_str())))
            .stdout(Stdio::null())
            .spawn()
            .unwrap();
        let server = Server {
            child,
            addr: SocketAddr::from(([127, 0, 0, 1], port)),
            dir,
            env,
            _pg: pg,
        };
        let started = Instant::now();
        while server.health() != Some(200) {
            assert!(
                started.elapsed() < Duration::from_secs(60),
                "the server starts"
            );
            std::thread::sleep(Duration::from_millis(200));
        }
        server
    }

    /// One HTTP/1.1 exchange: (status, body); None when the server does not answer.
    fn request(&self, head: &str, body: &[u8]) -> Option<(u16, String)> {
        let mut stream = TcpStream::connect(self.addr).ok()?;
        stream
            .set_read_timeout(Some(Duration::from_secs(120)))
            .ok()?;
        let request = format!(
            "{head}Host: 127.0.0.1\r\nConnection: close\r\nContent-Length: {}\r\n\r\n",
            body.len()
        );
        stream.write_all(request.as_bytes()).ok()?;
        stream.write_all(body).ok()?;
        let mut answer = Vec::new();
        stream.read_to_end(&mut answer).ok()?;
        let text = String::from_utf8_lossy(&answer).to_string();
        let status = text.split(' ').nth(1)?.parse().ok()?;
        let body = text.split_once("\r\n\r\n").map(|(_, b)| b.to_string())?;
        Some((status, body))
    }

    fn health(&self) -> Option<u16> {
        self.request("GET /health HTTP/1.1\r\n", b"")
            .map(|(s, _)| s)
    }

    fn login(&self) -> String {
        let body = serde_json::json!({"username": "reg", "password": PASSWORD}).to_string();
        let (status, answer) = self
            .request(
                "POST /api/v1/auth/login HTTP/1.1\r\nContent-Type: application/json\r\n",
                body.as_bytes(),
            )
            .expect("login answered");
        assert_eq!(status, 200, "{answer}");
        let answer: Value = serde_json::from_str(&answer).unwrap();
        answer["token"].as_str().unwrap().to_string()
    }

    /// Uploads an XLSX: (status, problem).
    fn import(&self, token: &str, xlsx: &[u8]) -> (u16, Value) {
        let head = format!(
            "POST /api/v1/imports HTTP/1.1\r\nAuthorization: Bearer {token}\r\nContent-Type: application/vnd.openxmlformats-officedocument.spreadsheetml.sheet\r\n"
        );
        let (status, body) = self
            .request(&head, xlsx)
            .expect("the server answers the upload (it did not die)");
        (status, serde_json::from_str(&body).unwrap_or(Value::Null))
    }

    /// The server's peak resident memory so far, in kB.
    fn peak_kb(&self) -> u64 {
        let status = std::fs::read_to_string(format!("/proc/{}/status", self.child.id())).unwrap();
        status
            .lines()
            .find_map(|l| l.strip_prefix("VmHWM:"))
            .and_then(|v| v.trim().trim_end_matches("kB").trim().parse().ok())
            .expect("VmHWM")
    }

    /// `techledger import FILE --user reg` against the same database: (exit code, stderr).
    fn cli_import(&self, xlsx: &[u8]) -> (Option<i32>, String) {
        let file = self.dir.join("upload.xlsx");
        std::fs::write(&file, xlsx).unwrap();
        let out = Command::new(env!("CARGO_BIN_EXE_techledger"))
            .arg("import")
            .arg(&file)
            .args(["--user", "reg"])
            .current_dir(&self.dir)
            .envs(self.env.iter().map(|(k, v)| (k.as_str(), v.as_str())))
            .output()
            .unwrap();
        (
            out.status.code(),
            String::from_utf8_lossy(&out.stderr).to_string(),
        )
    }
}

/// The one error of a problem: (field, message).
fn file_error(problem: &Value) -> (String, String) {
    let errors = problem["errors"].as_array().expect("errors");
    assert_eq!(errors.len(), 1, "{problem}");
    (
        errors[0]["field"].as_str().unwrap_or_default().to_string(),
        errors[0]["message"]
            .as_str()
            .unwrap_or_default()
            .to_string(),
    )
}

fn crafted_uploads_are_refused_with_bounded_memory(pg: Option<PgDatabase>) {
    let server = Server::start(pg);
    let token = server.login();

    let crafted = workbook(vec![
        ("xl/worksheets/sheet1.xml", SHEET.to_vec()),
        ("xl/sharedStrings.xml", shared_strings("10000000000000")),
    ]);
    assert!(
        crafted.len() < 2500,
        "a small file: {} bytes",
        crafted.len()
    );
    let bomb = workbook(vec![
        ("xl/worksheets/sheet1.xml", padded_sheet(64)),
        ("xl/sharedStrings.xml", shared_strings("1")),
    ]);
    assert!(bomb.len() < MIB / 4, "a zip bomb: {} bytes", bomb.len());
    let mut liar = bomb.clone();
    declare_size(&mut liar, "xl/worksheets/sheet1.xml", 1000);
    let many = workbook(
        (0..3)
            .map(|i| {
                let name: &'static str = ["xl/media/a.xml", "xl/media/b.xml", "xl/media/c.xml"][i];
                (name, vec![b' '; 7 * MIB])
            })
            .chain([
                ("xl/worksheets/sheet1.xml", SHEET.to_vec()),
                ("xl/sharedStrings.xml", shared_strings("1")),
            ])
            .collect(),
    );

    let before = server.peak_kb();
    let cases: [(&str, &[u8], &str); 4] = [
        ("crafted shared-strings count", &crafted, "uniqueCount"),
        ("zip bomb", &bomb, "xlsx_entry_mib"),
        (
            "zip bomb declaring 1000 bytes",
            &liar,
            "the 1000 bytes it declares",
        ),
        ("parts adding up past the total", &many, "xlsx_inflated_mib"),
    ];
    for (what, xlsx, named) in cases {
        let (status, problem) = server.import(&token, xlsx);
        assert_eq!(status, 422, "{what}: {problem}");
        let (field, message) = file_error(&problem);
        assert_eq!(field, "file", "{what}");
        assert!(message.contains(named), "{what}: {message}");
        assert_eq!(server.health(), Some(200), "{what}: the server is alive");
    }
    let growth_kb = server.peak_kb().saturating_sub(before);
    eprintln!("peak resident memory: {before} kB before the uploads, grew by {growth_kb} kB");
    assert!(
        growth_kb < 100 * 1024,
        "peak resident memory grew by {growth_kb} kB"
    );

    // The same checks in the shell: a clear refusal, not an abort.
    for (what, xlsx, named) in [
        ("crafted", &crafted, "uniqueCount"),
        ("bomb", &bomb, "xlsx_entry_mib"),
    ] {
        let (code, stderr) = server.cli_import(xlsx);
        assert_eq!(code, Some(1), "{what}: {stderr}");
        assert!(stderr.contains(named), "{what}: {stderr}");
        assert!(!stderr.contains("panicked"), "{what}: {stderr}");
    }
}

mod crafted_uploads_are_refused_with_bounded_memory {
    use super::*;

    #[test]
    fn sqlite() {
        crafted_uploads_are_refused_with_bounded_memory(None);
    }

    #[test]
    fn postgres() {
        let Some(admin) = pg_admin_url() else {
            eprintln!("skipped: TECHLEDGER_TEST_PG_URL is not set");
            return;
        };
        crafted_uploads_are_refused_with_bounded_memory(Some(PgDatabase::create(&admin)));
    }
}

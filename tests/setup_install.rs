//! The set-up's installer, `scripts/wheel_files.py`, against wheels served over HTTP on
//! 127.0.0.1 (pip downloads them as it downloads torch from PyPI: by a page of links that
//! carry each file's SHA-256): what it installs, that a download which does not match its
//! hash, a member that is missing, or an install killed half-way never leaves a folder that
//! looks installed, and that the next run then installs cleanly. Also `scripts/setup.sh`'s
//! one-line refusal of a bad `LSGAN_TORCH`.

mod common;

use std::path::{Path, PathBuf};
use std::process::{Command, Output};

use common::file_server::FileServer;
use common::folder_entries;

fn repo() -> &'static Path {
    Path::new(env!("CARGO_MANIFEST_DIR"))
}

/// Writes a wheel `NAME-VERSION-py3-none-any.whl` holding `files` (and the metadata pip
/// reads) into `dir`; returns its file name and SHA-256.
fn make_wheel(dir: &Path, name: &str, version: &str, files: &[(&str, &str)]) -> (String, String) {
    let script = r#"
import hashlib, json, sys, zipfile
dir, name, version, files = sys.argv[1], sys.argv[2], sys.argv[3], json.loads(sys.argv[4])
stem = name.replace("-", "_")
wheel = f"{stem}-{version}-py3-none-any.whl"
info = f"{stem}-{version}.dist-info"
with zipfile.ZipFile(f"{dir}/{wheel}", "w") as z:
    for path, text in files:
        z.writestr(path, text)
    z.writestr(f"{info}/METADATA", f"Metadata-Version: 2.1\nName: {name}\nVersion: {version}\n")
    z.writestr(f"{info}/WHEEL", "Wheel-Version: 1.0\nGenerator: test\nRoot-Is-Purelib: true\nTag: py3-none-any\n")
    z.writestr(f"{info}/RECORD", "")
print(wheel, hashlib.sha256(open(f"{dir}/{wheel}", "rb").read()).hexdigest())
"#;
    let files: Vec<[&str; 2]> = files.iter().map(|(p, t)| [*p, *t]).collect();
    let output = Command::new("python3")
        .args(["-c", script, dir.to_str().unwrap(), name, version])
        .arg(serde_json::to_string(&files).unwrap())
        .output()
        .expect("python3 runs");
    assert!(output.status.success(), "{output:?}");
    let text = String::from_utf8(output.stdout).unwrap();
    let (wheel, sha) = text.trim().split_once(' ').unwrap();
    (wheel.to_string(), sha.to_string())
}

/// The page of links pip reads: each wheel with its SHA-256, as PyPI gives them.
fn write_links(dir: &Path, wheels: &[(String, String)]) {
    let links: String = wheels
        .iter()
        .map(|(wheel, sha)| format!("<a href=\"{wheel}#sha256={sha}\">{wheel}</a>\n"))
        .collect();
    std::fs::write(
        dir.join("index.html"),
        format!("<html><body>\n{links}</body></html>\n"),
    )
    .unwrap();
}

/// `wheel_files.py ARGS`, with pip looking only at the server's page.
fn install(server: &FileServer, args: &[&str]) -> Output {
    Command::new("python3")
        .arg(repo().join("scripts/wheel_files.py"))
        .args(args)
        .env("PIP_NO_INDEX", "1")
        .env("PIP_FIND_LINKS", format!("{}index.html", server.base_url))
        .env("PIP_DISABLE_PIP_VERSION_CHECK", "1")
        .output()
        .expect("python3 runs")
}

/// Two wheels like torch's and a CUDA runtime's (a folder of headers, libraries), served, and
/// an empty cache to install into.
struct Served {
    root: tempfile::TempDir,
    wheels: Vec<(String, String)>,
    server: FileServer,
    cache: tempfile::TempDir,
    into: PathBuf,
}

fn served() -> Served {
    let root = tempfile::tempdir().unwrap();
    let torch = make_wheel(
        root.path(),
        "demo-torch",
        "2.11.0",
        &[
            ("demo_torch/include/a.h", "// a\n"),
            ("demo_torch/include/sub/b.h", "// b\n"),
            ("demo_torch/lib/libdemo_cpu.so", "cpu library"),
            (
                "demo_torch/lib/libdemo_cuda.so",
                "the part a CPU run never loads",
            ),
        ],
    );
    let runtime = make_wheel(
        root.path(),
        "demo-runtime",
        "13.0.96",
        &[("nvidia/cu13/lib/libcudart.so.13", "runtime")],
    );
    let wheels = vec![torch, runtime];
    write_links(root.path(), &wheels);
    let server = FileServer::start(root.path());
    let cache = tempfile::tempdir().unwrap();
    let into = cache.path().join("libtorch-cpu");
    Served {
        root,
        wheels,
        server,
        cache,
        into,
    }
}

const TAKE: &[&str] = &[
    "--stamp",
    "demo-torch==2.11.0 cpu",
    "--from",
    "demo-torch==2.11.0",
    "--take",
    "demo_torch/include/",
    "include/",
    "--take",
    "demo_torch/lib/libdemo_cpu.so",
    "lib/",
    "--from",
    "demo-runtime==13.0.96",
    "--take",
    "nvidia/cu13/lib/libcudart.so.13",
    "lib/",
];

fn args<'a>(into: &'a Path, take: &[&'a str]) -> Vec<&'a str> {
    let mut all = vec!["--into", into.to_str().unwrap()];
    all.extend_from_slice(take);
    all
}

fn assert_installed(into: &Path) {
    let read = |p: &str| std::fs::read_to_string(into.join(p)).unwrap();
    assert_eq!(read("include/a.h"), "// a\n");
    assert_eq!(read("include/sub/b.h"), "// b\n");
    assert_eq!(read("lib/libdemo_cpu.so"), "cpu library");
    assert_eq!(read("lib/libcudart.so.13"), "runtime");
    assert_eq!(read(".complete"), "demo-torch==2.11.0 cpu\n");
    assert!(
        !into.join("lib/libdemo_cuda.so").exists(),
        "only the members asked for"
    );
}

#[test]
fn the_members_asked_for_are_installed_and_nothing_else_is_left() {
    let fixture = served();
    let (server, cache, into) = (&fixture.server, &fixture.cache, fixture.into.as_path());
    let output = install(server, &args(into, TAKE));
    assert!(output.status.success(), "{output:?}");
    assert_installed(into);
    assert_eq!(
        folder_entries(cache.path()),
        ["libtorch-cpu"],
        "no partial folder or downloaded wheel left beside it"
    );
    assert_eq!(folder_entries(into), [".complete", "include", "lib"]);
}

#[test]
fn a_download_that_does_not_match_its_hash_or_a_killed_install_is_never_taken_as_installed() {
    let fixture = served();
    let (server, cache, into) = (&fixture.server, &fixture.cache, fixture.into.as_path());
    // What an install killed half-way leaves: a partial folder and a scratch download.
    std::fs::create_dir_all(cache.path().join("libtorch-cpu.partial/lib")).unwrap();
    std::fs::write(
        cache.path().join("libtorch-cpu.partial/lib/half.so"),
        "half",
    )
    .unwrap();
    std::fs::create_dir_all(cache.path().join(".download-killed")).unwrap();
    // The runtime's wheel cut short, as by a dropped connection: its SHA-256 no longer matches.
    let runtime: PathBuf = fixture.root.path().join(&fixture.wheels[1].0);
    let whole = std::fs::read(&runtime).unwrap();
    std::fs::write(&runtime, &whole[..whole.len() / 2]).unwrap();
    let output = install(server, &args(into, TAKE));
    assert!(!output.status.success(), "{output:?}");
    let stderr = String::from_utf8_lossy(&output.stderr);
    assert!(
        stderr.to_lowercase().contains("hash"),
        "pip names the hash mismatch: {stderr}"
    );
    assert!(!into.exists(), "nothing that looks installed");
    assert!(
        folder_entries(cache.path()).is_empty(),
        "{:?}",
        folder_entries(cache.path())
    );
    // The whole file served again: the next run installs cleanly.
    std::fs::write(&runtime, &whole).unwrap();
    let output = install(server, &args(into, TAKE));
    assert!(output.status.success(), "{output:?}");
    assert_installed(into);
    assert_eq!(folder_entries(cache.path()), ["libtorch-cpu"]);
}

#[test]
fn a_missing_member_is_one_line_naming_it_and_installs_nothing() {
    let fixture = served();
    let (server, cache, into) = (&fixture.server, &fixture.cache, fixture.into.as_path());
    let take = [
        "--from",
        "demo-torch==2.11.0",
        "--take",
        "demo_torch/lib/libnothing.so",
        "lib/",
    ];
    let output = install(server, &args(into, &take));
    assert_eq!(output.status.code(), Some(2), "{output:?}");
    let stderr = String::from_utf8_lossy(&output.stderr);
    assert_eq!(stderr.lines().count(), 1, "{stderr}");
    assert!(
        stderr.contains("demo_torch-2.11.0-py3-none-any.whl has no demo_torch/lib/libnothing.so"),
        "{stderr}"
    );
    assert!(!into.exists());
    assert!(
        folder_entries(cache.path()).is_empty(),
        "{:?}",
        folder_entries(cache.path())
    );
}

#[test]
fn setup_refuses_an_unknown_libtorch_build_in_one_line() {
    let cache = tempfile::tempdir().unwrap();
    let output = Command::new("bash")
        .arg(repo().join("scripts/setup.sh"))
        .env("LSGAN_TORCH", "gpu")
        .env("LSGAN_CACHE_DIR", cache.path())
        .output()
        .unwrap();
    assert_eq!(output.status.code(), Some(2), "{output:?}");
    assert_eq!(
        String::from_utf8_lossy(&output.stderr),
        "setup: LSGAN_TORCH=gpu: expected cpu, cuda or auto\n"
    );
    assert!(folder_entries(cache.path()).is_empty(), "nothing installed");
}

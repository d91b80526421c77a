//! The layers of docs/ARCHITECTURE.md, checked against the source: every `.rs` file under
//! src/ belongs to one top-level module (its first path component: `src/train/run.rs` is
//! `train`, `src/error.rs` is `error`, `src/bin/*` is `bin`; `src/lib.rs` is the crate root
//! and is not checked), and every module it names through `crate::NAME` (in the binary,
//! `lsgan::NAME`) must sit in its own layer or a lower one of the `layers` block, with no
//! cycle between top-level modules, nor between the files of one.
//!
//! The scanner is a small tokenizer, not a parser: it drops comments (doc comments too),
//! string, byte-string, raw-string and char literals, then reads the paths that start with
//! the crate's root — `use crate::a::b`, grouped `use crate::{a::x, b::{y, z}}` (each item of
//! the top-level group counts) and inline paths such as `crate::a::f(...)`, in test modules
//! as well. A name re-exported at the crate root (`pub use error::{Error, Result}` in
//! lib.rs) counts as its module. Between the files of a module it also follows `super::` and
//! `self::` paths (and a mod.rs's paths to its children), each to the file of the longest
//! module path it names, through the names a file binds with `use`. It does not follow
//! `use lsgan as x` aliases or glob re-exports. Std only, so that it builds without
//! libtorch's crates being touched.

use std::collections::{BTreeMap, BTreeSet, VecDeque};
use std::fs;
use std::path::{Path, PathBuf};

const ARCHITECTURE: &str = "docs/ARCHITECTURE.md";

// ---------------------------------------------------------------------------------------
// The tokenizer.

#[derive(Debug, Clone, PartialEq)]
enum Token {
    Ident(String),
    /// `::`
    PathSep,
    Open,
    Close,
    Comma,
    /// A number or any other punctuation.
    Other(char),
}

#[derive(Debug, Clone, PartialEq)]
struct Tok {
    token: Token,
    line: usize,
}

fn is_ident_start(c: char) -> bool {
    c == '_' || c.is_alphabetic()
}

fn is_ident_char(c: char) -> bool {
    c == '_' || c.is_alphanumeric()
}

/// The tokens of Rust source that matter for paths, with their 1-based lines; comments and
/// literals are dropped.
fn tokenize(source: &str) -> Vec<Tok> {
    let c: Vec<char> = source.chars().collect();
    let at = |k: usize| c.get(k).copied().unwrap_or('\0');
    let mut tokens = Vec::new();
    let mut line = 1;
    let mut i = 0;
    while i < c.len() {
        let ch = c[i];
        if ch == '\n' {
            line += 1;
            i += 1;
        } else if ch.is_whitespace() {
            i += 1;
        } else if ch == '/' && at(i + 1) == '/' {
            while i < c.len() && c[i] != '\n' {
                i += 1;
            }
        } else if ch == '/' && at(i + 1) == '*' {
            let mut depth = 0;
            while i < c.len() {
                if c[i] == '/' && at(i + 1) == '*' {
                    depth += 1;
                    i += 2;
                } else if c[i] == '*' && at(i + 1) == '/' {
                    depth -= 1;
                    i += 2;
                    if depth == 0 {
                        break;
                    }
                } else {
                    if c[i] == '\n' {
                        line += 1;
                    }
                    i += 1;
                }
            }
        } else if ch == '"' {
            i = skip_string(&c, i + 1, &mut line);
        } else if ch == '\'' {
            i = skip_char_or_lifetime(&c, i);
        } else if let Some(end) = raw_string_end(&c, i, &mut line) {
            i = end;
        } else if (ch == 'b' || ch == 'c') && at(i + 1) == '"' {
            i = skip_string(&c, i + 2, &mut line);
        } else if ch == 'b' && at(i + 1) == '\'' {
            i = skip_char_or_lifetime(&c, i + 1);
        } else if ch == 'r' && at(i + 1) == '#' && is_ident_start(at(i + 2)) {
            // A raw identifier, `r#name`.
            let start = i + 2;
            i = start;
            while i < c.len() && is_ident_char(c[i]) {
                i += 1;
            }
            let name = c[start..i].iter().collect();
            tokens.push(Tok {
                token: Token::Ident(name),
                line,
            });
        } else if is_ident_start(ch) {
            let start = i;
            while i < c.len() && is_ident_char(c[i]) {
                i += 1;
            }
            let name = c[start..i].iter().collect();
            tokens.push(Tok {
                token: Token::Ident(name),
                line,
            });
        } else if ch.is_ascii_digit() {
            while i < c.len() && is_ident_char(c[i]) {
                i += 1;
            }
            tokens.push(Tok {
                token: Token::Other('0'),
                line,
            });
        } else {
            let token = match ch {
                ':' if at(i + 1) == ':' => {
                    i += 1;
                    Token::PathSep
                }
                '{' => Token::Open,
                '}' => Token::Close,
                ',' => Token::Comma,
                other => Token::Other(other),
            };
            i += 1;
            tokens.push(Tok { token, line });
        }
    }
    tokens
}

/// From just after an opening `"` to just after the closing one.
fn skip_string(c: &[char], mut i: usize, line: &mut usize) -> usize {
    while i < c.len() {
        match c[i] {
            '\\' => {
                if c.get(i + 1) == Some(&'\n') {
                    *line += 1;
                }
                i += 2;
            }
            '"' => return i + 1,
            '\n' => {
                *line += 1;
                i += 1;
            }
            _ => i += 1,
        }
    }
    i
}

/// At a `'`: a char literal (`'x'`, `'\n'`, `'\u{1F600}'`, `'"'`) is skipped whole; a
/// lifetime (`'a`, `'static`) only loses its quote.
fn skip_char_or_lifetime(c: &[char], i: usize) -> usize {
    if c.get(i + 1) == Some(&'\\') {
        let mut j = i + 3;
        while j < c.len() && c[j] != '\'' && c[j] != '\n' {
            j += 1;
        }
        j + 1
    } else if c.get(i + 2) == Some(&'\'') {
        i + 3
    } else {
        i + 1
    }
}

/// At `r"`, `r#"`, `br#"`, `cr"`…: the index just after the raw string, or None when no raw
/// string starts here.
fn raw_string_end(c: &[char], i: usize, line: &mut usize) -> Option<usize> {
    let mut j = i;
    if matches!(c.get(j), Some('b') | Some('c')) {
        j += 1;
    }
    if c.get(j) != Some(&'r') {
        return None;
    }
    j += 1;
    let mut hashes = 0;
    while c.get(j) == Some(&'#') {
        hashes += 1;
        j += 1;
    }
    if c.get(j) != Some(&'"') {
        return None;
    }
    j += 1;
    while j < c.len() {
        if c[j] == '\n' {
            *line += 1;
        }
        if c[j] == '"' && (1..=hashes).all(|k| c.get(j + k) == Some(&'#')) {
            return Some(j + 1 + hashes);
        }
        j += 1;
    }
    Some(j)
}

// ---------------------------------------------------------------------------------------
// References from a file to top-level modules.

/// A file's use of a top-level module: `target` is the name right after the crate's root
/// (`crate::target::…`), on 1-based `line`.
#[derive(Debug, Clone, PartialEq, Eq, PartialOrd, Ord)]
struct Reference {
    line: usize,
    target: String,
}

fn is_ident(tokens: &[Tok], k: usize) -> Option<&str> {
    match tokens.get(k).map(|t| &t.token) {
        Some(Token::Ident(name)) => Some(name),
        _ => None,
    }
}

fn is(tokens: &[Tok], k: usize, token: &Token) -> bool {
    tokens.get(k).map(|t| &t.token) == Some(token)
}

/// Every name that follows one of `roots` (`crate`, or `lsgan` in the binary) at the start of
/// a path, one per item of a top-level group.
fn references(source: &str, roots: &[&str]) -> Vec<Reference> {
    let tokens = tokenize(source);
    let mut found = Vec::new();
    let mut k = 0;
    while k < tokens.len() {
        let starts_path = is_ident(&tokens, k).is_some_and(|name| roots.contains(&name))
            && (k == 0 || !is(&tokens, k - 1, &Token::PathSep))
            && is(&tokens, k + 1, &Token::PathSep);
        if !starts_path {
            k += 1;
            continue;
        }
        k += 2;
        if is(&tokens, k, &Token::Open) {
            k = group_items(&tokens, k, &mut found);
        } else if let Some(name) = is_ident(&tokens, k) {
            push_target(name, tokens[k].line, &mut found);
            k = skip_path(&tokens, k);
        }
    }
    found
}

fn push_target(name: &str, line: usize, found: &mut Vec<Reference>) {
    if !matches!(name, "self" | "super" | "crate") {
        found.push(Reference {
            line,
            target: name.to_string(),
        });
    }
}

/// At the `{` of a top-level group: the first name of each item, then the index after the
/// matching `}`.
fn group_items(tokens: &[Tok], open: usize, found: &mut Vec<Reference>) -> usize {
    let mut k = open + 1;
    loop {
        if is(tokens, k, &Token::Open) {
            k = group_items(tokens, k, found);
        } else if let Some(name) = is_ident(tokens, k) {
            push_target(name, tokens[k].line, found);
        }
        // The rest of the item, to the `,` or `}` at this depth.
        let mut depth = 0;
        while k < tokens.len() {
            match tokens[k].token {
                Token::Open => depth += 1,
                Token::Close if depth == 0 => return k + 1,
                Token::Close => depth -= 1,
                Token::Comma if depth == 0 => break,
                _ => {}
            }
            k += 1;
        }
        if k >= tokens.len() {
            return k;
        }
        k += 1;
    }
}

/// At the name after the root: the index after the whole path (`a::b::{c, d}::e`).
fn skip_path(tokens: &[Tok], mut k: usize) -> usize {
    k += 1;
    while is(tokens, k, &Token::PathSep) {
        k += 1;
        if is(tokens, k, &Token::Open) {
            let mut depth = 0;
            while k < tokens.len() {
                match tokens[k].token {
                    Token::Open => depth += 1,
                    Token::Close => depth -= 1,
                    _ => {}
                }
                k += 1;
                if depth == 0 {
                    break;
                }
            }
            return k;
        }
        if is_ident(tokens, k).is_some() {
            k += 1;
        }
    }
    k
}

/// The names lib.rs re-exports from a module (`pub use error::{Error, Result}` gives
/// `Error → error`, `Result → error`), so that `crate::Error` counts as `error`.
fn root_reexports(lib_rs: &str) -> BTreeMap<String, String> {
    let tokens = tokenize(lib_rs);
    let mut map = BTreeMap::new();
    let mut k = 0;
    while k < tokens.len() {
        let is_use = is_ident(&tokens, k) == Some("use")
            && is_ident(&tokens, k + 1).is_some()
            && is(&tokens, k + 2, &Token::PathSep);
        if !is_use {
            k += 1;
            continue;
        }
        let module = is_ident(&tokens, k + 1).unwrap().to_string();
        k += 3;
        while k < tokens.len() && !is(&tokens, k, &Token::Other(';')) {
            if let Some(name) = is_ident(&tokens, k) {
                let leaf = if is_ident(&tokens, k + 1) == Some("as") {
                    k += 2;
                    is_ident(&tokens, k)
                } else if matches!(
                    tokens.get(k + 1).map(|t| &t.token),
                    Some(Token::Comma) | Some(Token::Close) | Some(Token::Other(';'))
                ) {
                    Some(name)
                } else {
                    None
                };
                if let Some(leaf) = leaf.filter(|leaf| *leaf != "self" && *leaf != "_") {
                    map.insert(leaf.to_string(), module.clone());
                }
            }
            k += 1;
        }
    }
    map
}

// ---------------------------------------------------------------------------------------
// Imports between the files of one top-level module.

/// A path as written in a file, made absolute: the module path of the crate it names
/// (`["metrics", "fid", "frechet_distance"]`), on 1-based `line`; `bound` is the name a
/// top-level `use` binds it to in the file (its last name, or its `as` alias).
#[derive(Debug, Clone, PartialEq)]
struct FilePath {
    names: Vec<String>,
    line: usize,
    bound: Option<String>,
}

/// One file's place in the crate for the file graph: its path (`src/metrics/images.rs`) and
/// its module path (`["metrics", "images"]`; a mod.rs is its folder's module).
#[derive(Debug, Clone)]
struct ModuleFile {
    path: String,
    module_path: Vec<String>,
    source: String,
}

/// The module path of a file under src/ (`metrics/images.rs` → `metrics::images`,
/// `metrics/mod.rs` → `metrics`), None for the crate root and the binary, which are no
/// module's files.
fn module_path_of(relative: &str) -> Option<Vec<String>> {
    let relative = relative.strip_prefix("src/").unwrap_or(relative);
    let mut names: Vec<String> = relative.split('/').map(str::to_string).collect();
    if matches!(names[0].as_str(), "lib.rs" | "main.rs" | "bin") {
        return None;
    }
    let last = names.pop()?;
    let stem = last.strip_suffix(".rs")?;
    if stem != "mod" {
        names.push(stem.to_string());
    }
    Some(names)
}

/// At the first name of a path: every path it spells, a `use` tree's groups expanded
/// (`super::{fid::{a, b}, kid}` gives `super::fid::a`, `super::fid::b`, `super::kid`; a
/// group's `self` is the path before it), each with the line of its last name and its
/// `as` alias; then the index after it.
fn path_tree(
    tokens: &[Tok],
    mut k: usize,
    prefix: &[String],
    found: &mut Vec<(Vec<String>, usize, Option<String>)>,
) -> usize {
    let mut names = prefix.to_vec();
    let mut line = tokens.get(k).map_or(0, |t| t.line);
    loop {
        if is(tokens, k, &Token::Open) {
            k += 1;
            while k < tokens.len() && !is(tokens, k, &Token::Close) {
                k = path_tree(tokens, k, &names, found);
                // The rest of the item (an `as` alias is read by the item), to `,` or `}`.
                while k < tokens.len() && !is(tokens, k, &Token::Comma) {
                    if is(tokens, k, &Token::Close) {
                        break;
                    }
                    k += 1;
                }
                if is(tokens, k, &Token::Comma) {
                    k += 1;
                }
            }
            return k + 1;
        }
        let Some(name) = is_ident(tokens, k) else {
            break;
        };
        if name != "self" || names.is_empty() {
            names.push(name.to_string());
        }
        line = tokens[k].line;
        k += 1;
        if !is(tokens, k, &Token::PathSep) {
            break;
        }
        k += 1;
    }
    let alias = if is_ident(tokens, k) == Some("as") {
        is_ident(tokens, k + 1).map(str::to_string)
    } else {
        None
    };
    found.push((names, line, alias));
    k
}

/// Every path of `source` that names a module of this crate, made absolute from the file's
/// module path `here`: `crate::…`, `self::…` and `super::…` (inside an inline `mod tests`,
/// `super` is the file itself), and a path that starts with a child module of the file
/// (`idx::read_pair` in a mod.rs that declares `idx`). Visibilities (`pub(in crate::x)`)
/// are no paths.
fn file_paths(source: &str, here: &[String], is_child: &dyn Fn(&str) -> bool) -> Vec<FilePath> {
    let tokens = tokenize(source);
    let mut found = Vec::new();
    // Brace depth, and the inline modules open (name, depth inside).
    let mut depth = 0usize;
    let mut inline: Vec<(String, usize)> = Vec::new();
    let mut k = 0;
    while k < tokens.len() {
        match &tokens[k].token {
            Token::Open => {
                depth += 1;
                k += 1;
                continue;
            }
            Token::Close => {
                if inline.last().is_some_and(|(_, d)| *d == depth) {
                    inline.pop();
                }
                depth = depth.saturating_sub(1);
                k += 1;
                continue;
            }
            _ => {}
        }
        if is_ident(&tokens, k) == Some("mod") && is(&tokens, k + 2, &Token::Open) {
            if let Some(name) = is_ident(&tokens, k + 1) {
                inline.push((name.to_string(), depth + 1));
            }
            k += 1;
            continue;
        }
        let Some(first) = is_ident(&tokens, k) else {
            k += 1;
            continue;
        };
        let starts_path = (k == 0 || !is(&tokens, k - 1, &Token::PathSep))
            && is(&tokens, k + 1, &Token::PathSep)
            && (matches!(first, "crate" | "self" | "super") || is_child(first))
            && !(k > 0 && is_ident(&tokens, k - 1) == Some("in"));
        if !starts_path {
            k += 1;
            continue;
        }
        let top_use = inline.is_empty() && k > 0 && is_ident(&tokens, k - 1) == Some("use");
        let mut written = Vec::new();
        k = path_tree(&tokens, k, &[], &mut written);
        let mut scope: Vec<String> = here.to_vec();
        scope.extend(inline.iter().map(|(name, _)| name.clone()));
        for (names, line, alias) in written {
            let Some(absolute) = absolute_path(&names, &scope, here) else {
                continue;
            };
            let bound = top_use
                .then(|| alias.or_else(|| names.last().cloned()))
                .flatten()
                .filter(|name| !matches!(name.as_str(), "self" | "super" | "crate"));
            found.push(FilePath {
                names: absolute,
                line,
                bound,
            });
        }
    }
    found
}

/// `names` as written, from the crate root: `crate::a` is `a`, `self::` starts at `scope`
/// (the file's module and the inline modules around the path), each `super::` one up from
/// it, and any other first name is a child of the file's module `here`.
fn absolute_path(names: &[String], scope: &[String], here: &[String]) -> Option<Vec<String>> {
    let (base, rest): (Vec<String>, &[String]) = match names.first()?.as_str() {
        "crate" => (Vec::new(), &names[1..]),
        "self" => (scope.to_vec(), &names[1..]),
        "super" => {
            let ups = names.iter().take_while(|n| *n == "super").count();
            let mut base = scope.to_vec();
            for _ in 0..ups {
                base.pop()?;
            }
            (base, &names[ups..])
        }
        _ => (here.to_vec(), names),
    };
    Some(base.into_iter().chain(rest.iter().cloned()).collect())
}

/// The file graph inside each top-level module: file → imported file of the same top-level
/// module → where first (`src/x.rs:12`). A path names the file of its longest module path
/// (`crate::metrics::images::ImageMetrics` is `src/metrics/images.rs`, `crate::metrics::X`
/// is `src/metrics/mod.rs`); a name that file binds with `use` (a mod.rs's
/// `pub use images::ImageMetrics`) counts as the file it comes from. A file's paths into
/// the files below it (a mod.rs's `idx::read_pair`, `pub use loader::BatchLoader`) are the
/// module tree, not imports: they do not count, a child's `super::Split` does.
fn file_graph(files: &[ModuleFile]) -> BTreeMap<String, BTreeMap<String, String>> {
    let by_path: BTreeMap<&str, &ModuleFile> = files
        .iter()
        .map(|file| (file.path.as_str(), file))
        .collect();
    let by_module: BTreeMap<&[String], &ModuleFile> = files
        .iter()
        .map(|file| (file.module_path.as_slice(), file))
        .collect();
    // A file's module or a folder's.
    let is_module = |names: &[String]| files.iter().any(|f| f.module_path.starts_with(names));
    let paths: BTreeMap<&str, Vec<FilePath>> = files
        .iter()
        .map(|file| {
            let is_child = |name: &str| {
                let mut child = file.module_path.clone();
                child.push(name.to_string());
                is_module(&child)
            };
            let paths = file_paths(&file.source, &file.module_path, &is_child);
            (file.path.as_str(), paths)
        })
        .collect();
    // The file a path names, following `use` bindings (at most a few hops).
    let target = |names: &[String]| -> Option<&str> {
        let mut names = names.to_vec();
        for _ in 0..8 {
            let (length, file) = (1..=names.len())
                .rev()
                .find_map(|n| by_module.get(&names[..n]).map(|file| (n, file)))?;
            let binding = names.get(length).and_then(|name| {
                paths[file.path.as_str()]
                    .iter()
                    .find(|p| p.bound.as_ref() == Some(name))
            });
            match binding {
                Some(binding) if binding.names != names[..length + 1] => {
                    let mut followed = binding.names.clone();
                    followed.extend_from_slice(&names[length + 1..]);
                    names = followed;
                }
                _ => return Some(file.path.as_str()),
            }
        }
        None
    };
    let mut graph: BTreeMap<String, BTreeMap<String, String>> = BTreeMap::new();
    for file in files {
        let edges = graph.entry(file.path.clone()).or_default();
        for path in &paths[file.path.as_str()] {
            let Some(to) = target(&path.names) else {
                continue;
            };
            let to_module = &by_path[to].module_path;
            let counted = to != file.path
                && to_module.first() == file.module_path.first()
                && !(to_module.starts_with(&file.module_path)
                    && to_module.len() > file.module_path.len());
            if counted {
                edges
                    .entry(to.to_string())
                    .or_insert_with(|| format!("{}:{}", file.path, path.line));
            }
        }
    }
    graph
}

// ---------------------------------------------------------------------------------------
// The layers block and the checks.

/// The `layers` fenced block of ARCHITECTURE.md: module → layer.
fn parse_layers(markdown: &str) -> Result<BTreeMap<String, usize>, String> {
    let mut lines = markdown.lines().enumerate();
    lines
        .by_ref()
        .find(|(_, line)| line.trim() == "```layers")
        .ok_or("no fenced block with the info string `layers`")?;
    let mut layers = BTreeMap::new();
    for (index, line) in lines {
        let line = line.trim();
        if line.starts_with("```") {
            if layers.is_empty() {
                return Err("the `layers` block is empty".into());
            }
            return Ok(layers);
        }
        if line.is_empty() {
            continue;
        }
        let (number, modules) = line
            .split_once(':')
            .ok_or(format!("line {}: expected `N: module ...`", index + 1))?;
        let layer: usize = number
            .trim()
            .parse()
            .map_err(|_| format!("line {}: `{number}` is not a layer number", index + 1))?;
        for module in modules.split_whitespace() {
            if let Some(earlier) = layers.insert(module.to_string(), layer) {
                return Err(format!(
                    "line {}: `{module}` is in layer {earlier} and layer {layer}",
                    index + 1
                ));
            }
        }
    }
    Err("the `layers` block is not closed".into())
}

/// One scanned file: its path from the crate root (`src/train/run.rs`), its top-level
/// module and the top-level modules it names.
#[derive(Debug)]
struct SourceFile {
    path: String,
    module: String,
    references: Vec<Reference>,
}

/// The top-level module a path under src/ belongs to, None for the crate root.
fn module_of(relative: &Path) -> Option<String> {
    let first = relative.components().next()?.as_os_str().to_str()?;
    match first {
        "lib.rs" => None,
        "main.rs" | "bin" => Some("bin".into()),
        other => Some(other.strip_suffix(".rs").unwrap_or(other).to_string()),
    }
}

/// A file's references resolved to top-level modules: root re-exports are mapped to their
/// module; names that are no top-level module (a root macro, say) and the file's own
/// module are dropped.
fn resolve(
    module: &str,
    raw: Vec<Reference>,
    reexports: &BTreeMap<String, String>,
    modules: &BTreeSet<String>,
) -> Vec<Reference> {
    let mut resolved: Vec<Reference> = raw
        .into_iter()
        .filter_map(|reference| {
            let target = if modules.contains(&reference.target) {
                reference.target
            } else {
                reexports.get(&reference.target)?.clone()
            };
            (target != module && modules.contains(&target)).then_some(Reference {
                line: reference.line,
                target,
            })
        })
        .collect();
    resolved.sort();
    resolved.dedup();
    resolved
}

fn rust_files(dir: &Path, files: &mut Vec<PathBuf>) {
    let entries = fs::read_dir(dir).unwrap_or_else(|e| panic!("reading {}: {e}", dir.display()));
    for entry in entries {
        let path = entry.unwrap().path();
        if path.is_dir() {
            rust_files(&path, files);
        } else if path.extension().is_some_and(|e| e == "rs") {
            files.push(path);
        }
    }
}

struct Crate {
    layers: BTreeMap<String, usize>,
    files: Vec<SourceFile>,
    /// The files of the top-level modules (not lib.rs, not the binary), with their source.
    module_files: Vec<ModuleFile>,
}

/// Reads the layers block and every file under src/.
fn scan_crate() -> Crate {
    let root = Path::new(env!("CARGO_MANIFEST_DIR"));
    let markdown = fs::read_to_string(root.join(ARCHITECTURE))
        .unwrap_or_else(|e| panic!("reading {ARCHITECTURE}: {e}"));
    let layers = parse_layers(&markdown).unwrap_or_else(|e| panic!("{ARCHITECTURE}: {e}"));
    let src = root.join("src");
    let mut paths = Vec::new();
    rust_files(&src, &mut paths);
    paths.sort();
    let lib_rs = fs::read_to_string(src.join("lib.rs")).unwrap_or_default();
    let reexports = root_reexports(&lib_rs);

    let owned: Vec<(PathBuf, String)> = paths
        .into_iter()
        .filter_map(|path| {
            let module = module_of(path.strip_prefix(&src).unwrap())?;
            Some((path, module))
        })
        .collect();
    let mut modules: BTreeSet<String> = owned.iter().map(|(_, m)| m.clone()).collect();
    modules.extend(layers.keys().cloned());

    let mut module_files = Vec::new();
    let files = owned
        .into_iter()
        .map(|(path, module)| {
            let source = fs::read_to_string(&path)
                .unwrap_or_else(|e| panic!("reading {}: {e}", path.display()));
            // In the binary `crate::` is the binary itself; the library is `lsgan::`.
            let roots: &[&str] = if module == "bin" {
                &["lsgan"]
            } else {
                &["crate"]
            };
            let raw = references(&source, roots);
            let relative = path.strip_prefix(root).unwrap();
            let path = relative
                .components()
                .map(|c| c.as_os_str().to_string_lossy().into_owned())
                .collect::<Vec<_>>()
                .join("/");
            if let Some(module_path) = module_path_of(&path) {
                module_files.push(ModuleFile {
                    path: path.clone(),
                    module_path,
                    source,
                });
            }
            SourceFile {
                references: resolve(&module, raw, &reexports, &modules),
                path,
                module,
            }
        })
        .collect::<Vec<_>>();
    assert!(!files.is_empty(), "no .rs file found under src/");
    Crate {
        layers,
        files,
        module_files,
    }
}

/// One line per file whose module is missing from the layers block.
fn unlayered(files: &[SourceFile], layers: &BTreeMap<String, usize>) -> Vec<String> {
    files
        .iter()
        .filter(|file| !layers.contains_key(&file.module))
        .map(|file| {
            format!(
                "{}: top-level module `{}` is not in the `layers` block of {ARCHITECTURE}",
                file.path, file.module
            )
        })
        .collect()
}

/// One line per reference to a module of a higher layer.
fn layer_violations(files: &[SourceFile], layers: &BTreeMap<String, usize>) -> Vec<String> {
    let mut violations = Vec::new();
    for file in files {
        let Some(&own) = layers.get(&file.module) else {
            continue;
        };
        for reference in &file.references {
            match layers.get(&reference.target) {
                Some(&target) if target > own => violations.push(format!(
                    "{}:{}: {} (layer {own}) imports {} (layer {target}), a higher layer in \
                     {ARCHITECTURE}",
                    file.path, reference.line, file.module, reference.target
                )),
                _ => {}
            }
        }
    }
    violations
}

/// The module graph: module → imported module → where first (`src/x.rs:12`).
fn module_graph(files: &[SourceFile]) -> BTreeMap<String, BTreeMap<String, String>> {
    let mut graph: BTreeMap<String, BTreeMap<String, String>> = BTreeMap::new();
    for file in files {
        let edges = graph.entry(file.module.clone()).or_default();
        for reference in &file.references {
            edges
                .entry(reference.target.clone())
                .or_insert_with(|| format!("{}:{}", file.path, reference.line));
        }
    }
    graph
}

/// Cycles of a directed graph: within each strongly connected component, the shortest cycle
/// through each of its modules, each once (`[a, b, a]` for a → b → a).
fn find_cycles(graph: &BTreeMap<String, BTreeSet<String>>) -> Vec<Vec<String>> {
    let empty = BTreeSet::new();
    let next = |node: &str| graph.get(node).unwrap_or(&empty);
    let reachable = |from: &str| {
        let mut seen = BTreeSet::new();
        let mut stack = vec![from.to_string()];
        while let Some(node) = stack.pop() {
            for target in next(&node) {
                if seen.insert(target.clone()) {
                    stack.push(target.clone());
                }
            }
        }
        seen
    };
    let nodes: BTreeSet<String> = graph
        .iter()
        .flat_map(|(from, to)| std::iter::once(from.clone()).chain(to.iter().cloned()))
        .collect();
    let reach: BTreeMap<&String, BTreeSet<String>> =
        nodes.iter().map(|node| (node, reachable(node))).collect();

    let mut cycles: Vec<Vec<String>> = Vec::new();
    for start in &nodes {
        if !reach[start].contains(start) {
            continue;
        }
        // Breadth-first from `start` back to itself, through its component only.
        let in_component =
            |node: &String| reach[start].contains(node) && reach[node].contains(start);
        let mut parent: BTreeMap<String, String> = BTreeMap::new();
        let mut queue = VecDeque::from([start.clone()]);
        let mut closing = None;
        while let Some(node) = queue.pop_front() {
            if next(&node).contains(start) {
                closing = Some(node);
                break;
            }
            for target in next(&node) {
                if in_component(target) && target != start && !parent.contains_key(target) {
                    parent.insert(target.clone(), node.clone());
                    queue.push_back(target.clone());
                }
            }
        }
        let mut node = closing.expect("a node that reaches itself closes a cycle");
        let mut cycle = vec![start.clone()];
        while node != *start {
            cycle.push(node.clone());
            node = parent[&node].clone();
        }
        cycle.push(start.clone());
        cycle.reverse();
        // The same cycle found from another of its modules: keep it once, from its least.
        let body = &cycle[..cycle.len() - 1];
        let least = (0..body.len()).min_by_key(|&k| &body[k]).unwrap();
        let mut canonical: Vec<String> = body[least..]
            .iter()
            .chain(&body[..least])
            .cloned()
            .collect();
        canonical.push(canonical[0].clone());
        if !cycles.contains(&canonical) {
            cycles.push(canonical);
        }
    }
    cycles
}

/// One line per cycle of `graph` (node → imported node → where first): the cycle, then
/// where each of its imports is (`a → b → a (a → b: src/a.rs:3; b → a: src/b.rs:7)`).
fn cycle_report(graph: &BTreeMap<String, BTreeMap<String, String>>) -> Vec<String> {
    let edges: BTreeMap<String, BTreeSet<String>> = graph
        .iter()
        .map(|(from, to)| (from.clone(), to.keys().cloned().collect()))
        .collect();
    find_cycles(&edges)
        .iter()
        .map(|cycle| {
            let evidence: Vec<String> = cycle
                .windows(2)
                .map(|pair| format!("{} → {}: {}", pair[0], pair[1], graph[&pair[0]][&pair[1]]))
                .collect();
            format!("{} ({})", cycle.join(" → "), evidence.join("; "))
        })
        .collect()
}

// ---------------------------------------------------------------------------------------
// The crate's own source.

/// Fails with every line of `found`, counted as `what`, unless there are none.
fn assert_none(found: &[String], what: &str) {
    assert!(
        found.is_empty(),
        "{} {what}:\n{}",
        found.len(),
        found.join("\n")
    );
}

#[test]
fn every_top_level_module_has_a_layer() {
    let krate = scan_crate();
    let missing = unlayered(&krate.files, &krate.layers);
    assert_none(&missing, "file(s) belong to no layer");
}

#[test]
fn no_module_imports_from_a_higher_layer() {
    let krate = scan_crate();
    let violations = layer_violations(&krate.files, &krate.layers);
    assert_none(&violations, "import(s) from a higher layer");
}

#[test]
fn top_level_modules_import_each_other_in_no_cycle() {
    let krate = scan_crate();
    let cycles = cycle_report(&module_graph(&krate.files));
    assert_none(&cycles, "cycle(s) between top-level modules");
}

#[test]
fn files_of_a_module_import_each_other_in_no_cycle() {
    let krate = scan_crate();
    let cycles = cycle_report(&file_graph(&krate.module_files));
    assert_none(&cycles, "cycle(s) between files");
}

// ---------------------------------------------------------------------------------------
// The scanner itself, on small sources: each of these would let a broken layer through.

fn layers_for_tests() -> BTreeMap<String, usize> {
    parse_layers(
        "# Layers\n\n```text\n0: decoy\n```\n\n```layers\n0: error process storage\n1: data\n\
         2: nets\n5: train\n6: report\n8: bin\n```\n",
    )
    .unwrap()
}

fn scanned(path: &str, module: &str, source: &str, roots: &[&str]) -> SourceFile {
    let modules = layers_for_tests().keys().cloned().collect();
    let reexports = root_reexports("pub mod error;\npub use error::{Error, Result};\n");
    SourceFile {
        path: path.into(),
        module: module.into(),
        references: resolve(module, references(source, roots), &reexports, &modules),
    }
}

fn targets(source: &str, roots: &[&str]) -> Vec<(usize, String)> {
    references(source, roots)
        .into_iter()
        .map(|r| (r.line, r.target))
        .collect()
}

fn pairs(expected: &[(usize, &str)]) -> Vec<(usize, String)> {
    expected.iter().map(|&(l, t)| (l, t.to_string())).collect()
}

#[test]
fn scanner_finds_an_upward_import_on_its_line() {
    let source = "//! The loop.\n\nuse std::path::Path;\n\nuse crate::data::TrainingData;\n\
                  use crate::report::grid::write_grid;\nuse crate::train::Trainer;\n";
    let file = scanned("src/train/run.rs", "train", source, &["crate"]);
    assert_eq!(
        layer_violations(&[file], &layers_for_tests()),
        vec![
            "src/train/run.rs:6: train (layer 5) imports report (layer 6), a higher layer in \
             docs/ARCHITECTURE.md"
        ]
    );
}

#[test]
fn scanner_splits_a_grouped_import() {
    let source = "use crate::{\n    data::SampleShape,\n    nets::{Critic, Generator},\n    \
                  report::{grid::{self, write_grid}, plots},\n};\nuse crate::error::{self, Result};\n";
    assert_eq!(
        targets(source, &["crate"]),
        pairs(&[(2, "data"), (3, "nets"), (4, "report"), (6, "error")])
    );
    let file = scanned("src/data/mod.rs", "data", source, &["crate"]);
    assert_eq!(
        layer_violations(&[file], &layers_for_tests()),
        vec![
            "src/data/mod.rs:3: data (layer 1) imports nets (layer 2), a higher layer in \
             docs/ARCHITECTURE.md",
            "src/data/mod.rs:4: data (layer 1) imports report (layer 6), a higher layer in \
             docs/ARCHITECTURE.md",
        ]
    );
}

#[test]
fn scanner_skips_comments_and_literals() {
    let source = r####"//! Written by [`crate::report::html`].
/// See [crate::report::grid::write_grid] and `use crate::train::Trainer;`.
// crate::report::plots
/* crate::report /* nested crate::train */ still a comment crate::train */
fn f<'a>(x: &'a str) -> char {
    let s = "crate::report::html \" crate::train";
    let r = r#"crate::report "quoted" crate::train"#;
    let b = b"crate::report";
    let q = '"';
    let e = '\'';
    crate::data::load(s, r, b, q, e)
}
"####;
    assert_eq!(targets(source, &["crate"]), pairs(&[(11, "data")]));
}

#[test]
fn scanner_reads_inline_paths_and_ignores_visibility() {
    let source = "pub(crate) fn f() -> bool {\n    \
                  crate::data::images::ImageDataset::from_spec(x).is_some()\n}\n\
                  pub(in crate::train) fn g() { $crate::error::Error::bad(\"x\") }\n";
    assert_eq!(
        targets(source, &["crate"]),
        pairs(&[(2, "data"), (4, "train"), (4, "error")])
    );
}

#[test]
fn scanner_reads_the_binarys_paths_and_root_reexports() {
    let source = "use lsgan::{config::{LossKind, TrainConfig}, train::{self, run::RunOptions}};\n\
                  use lsgan::Error;\nfn main() { lsgan::objectives::lsgan::hinge(); \
                  lsgan::process::configure(); crate::cli::parse(); }\n";
    assert_eq!(
        targets(source, &["lsgan"]),
        pairs(&[
            (1, "config"),
            (1, "train"),
            (2, "Error"),
            (3, "objectives"),
            (3, "process"),
        ])
    );
    // `config` and `objectives` are not modules of the test layers; `Error` is `error`'s.
    let file = scanned("src/bin/lsgan.rs", "bin", source, &["lsgan"]);
    let resolved: Vec<_> = file.references.iter().map(|r| r.target.as_str()).collect();
    assert_eq!(resolved, ["train", "error", "process"]);
}

#[test]
fn scanner_detects_a_cycle() {
    let graph = |edges: &[(&str, &str)]| {
        let mut graph: BTreeMap<String, BTreeSet<String>> = BTreeMap::new();
        for (from, to) in edges {
            graph
                .entry(from.to_string())
                .or_default()
                .insert(to.to_string());
        }
        graph
    };
    let cyclic = graph(&[
        ("train", "report"),
        ("report", "storage"),
        ("report", "train"),
        ("data", "error"),
        ("nets", "data"),
        ("data", "nets"),
    ]);
    assert_eq!(
        find_cycles(&cyclic),
        vec![
            vec!["data", "nets", "data"],
            vec!["report", "train", "report"]
        ]
    );
    let three = graph(&[("a", "b"), ("b", "c"), ("c", "a"), ("c", "d")]);
    assert_eq!(find_cycles(&three), vec![vec!["a", "b", "c", "a"]]);
    let layered = graph(&[("bin", "train"), ("train", "data"), ("bin", "data")]);
    assert!(find_cycles(&layered).is_empty());
}

fn module_file(path: &str, source: &str) -> ModuleFile {
    ModuleFile {
        path: path.into(),
        module_path: module_path_of(path).unwrap(),
        source: source.into(),
    }
}

/// Every edge of a file graph as `from → to: where`.
fn edges(graph: &BTreeMap<String, BTreeMap<String, String>>) -> Vec<String> {
    graph
        .iter()
        .flat_map(|(from, to)| {
            to.iter()
                .map(move |(to, at)| format!("{from} → {to}: {at}"))
        })
        .collect()
}

#[test]
fn scanner_detects_two_files_that_import_each_other() {
    let a = module_file(
        "src/report/a.rs",
        "use crate::report::b::draw;\npub fn label() {}\n",
    );
    let b = module_file(
        "src/report/b.rs",
        "//! Pictures.\n\npub fn draw() {\n    super::a::label()\n}\n",
    );
    assert_eq!(
        cycle_report(&file_graph(&[a.clone(), b])),
        vec![
            "src/report/a.rs → src/report/b.rs → src/report/a.rs (src/report/a.rs → \
             src/report/b.rs: src/report/a.rs:1; src/report/b.rs → src/report/a.rs: \
             src/report/b.rs:4)"
        ]
    );
    // One way only is no cycle.
    let b = module_file("src/report/b.rs", "pub fn draw() {}\n");
    assert!(cycle_report(&file_graph(&[a, b])).is_empty());
}

#[test]
fn scanner_reads_the_paths_between_files() {
    let files = [
        // A mod.rs's paths to its own children are the module tree, not imports.
        module_file(
            "src/metrics/mod.rs",
            "pub mod a;\npub mod b;\npub mod c;\npub use a::Shared;\n\
             pub fn cache() {\n    b::helper()\n}\n",
        ),
        // Up to the mod.rs; in a test module `super::*` is the file itself.
        module_file(
            "src/metrics/a.rs",
            "use super::cache;\npub struct Shared;\n#[cfg(test)]\nmod tests {\n    \
             use super::*;\n    use super::super::c::D;\n}\n",
        ),
        // A mod.rs's re-export is the file it comes from; other modules and visibilities
        // do not count.
        module_file(
            "src/metrics/b.rs",
            "use crate::metrics::Shared;\nuse crate::{data::x, metrics::{self, c::{D as E}}};\n\
             pub(in crate::metrics) fn helper() {}\n",
        ),
        module_file(
            "src/metrics/c.rs",
            "pub struct D;\nuse super::b::helper as h;\n",
        ),
    ];
    let graph = file_graph(&files);
    assert_eq!(
        edges(&graph),
        [
            "src/metrics/a.rs → src/metrics/c.rs: src/metrics/a.rs:6",
            "src/metrics/a.rs → src/metrics/mod.rs: src/metrics/a.rs:1",
            "src/metrics/b.rs → src/metrics/a.rs: src/metrics/b.rs:1",
            "src/metrics/b.rs → src/metrics/c.rs: src/metrics/b.rs:2",
            "src/metrics/b.rs → src/metrics/mod.rs: src/metrics/b.rs:2",
            "src/metrics/c.rs → src/metrics/b.rs: src/metrics/c.rs:2",
        ]
    );
    // Two cycles, one of them through b's import of a mod.rs's re-export of a.
    let cycles: Vec<String> = cycle_report(&graph)
        .iter()
        .map(|line| line.split(" (").next().unwrap().to_string())
        .collect();
    assert_eq!(
        cycles,
        [
            "src/metrics/a.rs → src/metrics/c.rs → src/metrics/b.rs → src/metrics/a.rs",
            "src/metrics/b.rs → src/metrics/c.rs → src/metrics/b.rs",
        ]
    );
    assert_eq!(
        module_path_of("src/data/images/mod.rs"),
        Some(vec!["data".to_string(), "images".to_string()])
    );
    assert_eq!(module_path_of("src/lib.rs"), None);
    assert_eq!(module_path_of("src/bin/lsgan.rs"), None);
}

#[test]
fn unlayered_modules_are_named_by_file() {
    let file = scanned(
        "src/config.rs",
        "config",
        "use crate::error::Result;\n",
        &["crate"],
    );
    assert_eq!(
        unlayered(&[file], &layers_for_tests()),
        vec![
            "src/config.rs: top-level module `config` is not in the `layers` block of \
              docs/ARCHITECTURE.md"
        ]
    );
    assert_eq!(
        module_of(Path::new("train/run.rs")).as_deref(),
        Some("train")
    );
    assert_eq!(module_of(Path::new("error.rs")).as_deref(), Some("error"));
    assert_eq!(module_of(Path::new("bin/lsgan.rs")).as_deref(), Some("bin"));
    assert_eq!(module_of(Path::new("lib.rs")), None);
}

#[test]
fn the_layers_block_is_read_and_checked() {
    let layers = layers_for_tests();
    assert_eq!(layers["storage"], 0);
    assert_eq!(layers["report"], 6);
    assert!(!layers.contains_key("decoy"));
    assert!(parse_layers("```layers\n0: a\n1: a\n```\n").is_err());
    assert!(parse_layers("```text\n0: a\n```\n").is_err());
}

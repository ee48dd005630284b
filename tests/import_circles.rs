//! No import circles: among the children of any module of the host or of a
//! handler crate, no child uses another that uses it back (directly or
//! through others). A module's own file (its `mod.rs`) is its door and may
//! be used by its children; what it re-exports is followed to where it
//! comes from, so `super::Thing` from a sibling counts as that sibling.
//!
//! The check reads the `use` lines and the paths written in the code
//! (`crate::a::b`, `super::x`, `child::f()`), which is what a reader sees;
//! it needs no compiler, so it runs in a moment.

use std::collections::{BTreeMap, BTreeSet, HashMap};
use std::path::{Path, PathBuf};

type Module = Vec<String>;
/// A path as written, and the line it is on.
type Named = (Vec<String>, usize);
/// A re-exported name and the path it comes from.
type Reexport = (String, Vec<String>);

struct Crate {
    /// Module path → the file that holds it.
    files: BTreeMap<Module, PathBuf>,
    /// Module path → the paths its code names, each resolved later.
    names: BTreeMap<Module, Vec<Named>>,
    /// Module path → re-exports: name → the path it comes from.
    reexports: BTreeMap<Module, HashMap<String, Vec<String>>>,
}

/// The source without comments, strings and character literals (their
/// contents are not code), lines kept so that reports can name them.
fn strip(src: &str) -> String {
    let b = src.as_bytes();
    let mut out: Vec<u8> = Vec::with_capacity(b.len());
    let at = |i: usize, s: &[u8]| b[i..].starts_with(s);
    let mut i = 0;
    while i < b.len() {
        if at(i, b"//") {
            while i < b.len() && b[i] != b'\n' {
                i += 1;
            }
        } else if at(i, b"/*") {
            let mut depth = 0;
            while i < b.len() {
                if at(i, b"/*") {
                    depth += 1;
                    i += 2;
                } else if at(i, b"*/") {
                    depth -= 1;
                    i += 2;
                    if depth == 0 {
                        break;
                    }
                } else {
                    if b[i] == b'\n' {
                        out.push(b'\n');
                    }
                    i += 1;
                }
            }
        } else if b[i] == b'r'
            && (i == 0 || !is_ident(b[i - 1] as char))
            && (at(i, b"r\"") || at(i, b"r#"))
        {
            let hashes = b[i + 1..].iter().take_while(|c| **c == b'#').count();
            if b.get(i + 1 + hashes) != Some(&b'"') {
                out.push(b'r');
                i += 1;
                continue;
            }
            let mut end = vec![b'"'];
            end.extend(std::iter::repeat_n(b'#', hashes));
            i += 2 + hashes;
            while i < b.len() && !at(i, &end) {
                if b[i] == b'\n' {
                    out.push(b'\n');
                }
                i += 1;
            }
            i += end.len();
            out.extend_from_slice(b"\"\"");
        } else if b[i] == b'"' {
            i += 1;
            while i < b.len() && b[i] != b'"' {
                if b[i] == b'\\' {
                    i += 1;
                }
                if i < b.len() && b[i] == b'\n' {
                    out.push(b'\n');
                }
                i += 1;
            }
            i += 1;
            out.extend_from_slice(b"\"\"");
        } else if b[i] == b'\'' {
            // A char literal ('x', '\n', '\u{1F600}', 'é'), or a lifetime.
            let close = b[i + 1..]
                .iter()
                .take(12)
                .position(|c| *c == b'\'')
                .map(|j| i + 1 + j);
            let lit = close.filter(|&j| {
                b.get(i + 1) == Some(&b'\\')
                    || std::str::from_utf8(&b[i + 1..j]).is_ok_and(|s| s.chars().count() == 1)
            });
            match lit {
                Some(j) => {
                    out.extend_from_slice(b"' '");
                    i = j + 1;
                }
                None => {
                    out.push(b'\'');
                    i += 1;
                }
            }
        } else {
            out.push(b[i]);
            i += 1;
        }
    }
    String::from_utf8_lossy(&out).into_owned()
}

fn is_ident(c: char) -> bool {
    c.is_ascii_alphanumeric() || c == '_'
}

/// Expands a use tree (`a::{b, c::{d, e as f}, self}`) into paths, each
/// with the name it binds.
fn expand(tree: &str, prefix: &[String], out: &mut Vec<(Vec<String>, Option<String>)>) {
    let tree = tree.trim();
    if tree.is_empty() {
        return;
    }
    if let Some(open) = tree.find('{') {
        let head: Vec<String> = tree[..open]
            .split("::")
            .map(str::trim)
            .filter(|s| !s.is_empty())
            .map(str::to_owned)
            .collect();
        let mut base = prefix.to_vec();
        base.extend(head);
        let inner = &tree[open + 1..tree.rfind('}').unwrap_or(tree.len())];
        let mut depth = 0;
        let mut start = 0;
        for (i, c) in inner.char_indices() {
            match c {
                '{' => depth += 1,
                '}' => depth -= 1,
                ',' if depth == 0 => {
                    expand(&inner[start..i], &base, out);
                    start = i + 1;
                }
                _ => {}
            }
        }
        expand(&inner[start..], &base, out);
        return;
    }
    let (path, alias) = match tree.split_once(" as ") {
        Some((p, a)) => (p.trim(), Some(a.trim().to_owned())),
        None => (tree, None),
    };
    let mut full = prefix.to_vec();
    for seg in path.split("::").map(str::trim).filter(|s| !s.is_empty()) {
        if seg == "self" && !full.is_empty() {
            continue;
        }
        full.push(seg.to_owned());
    }
    let bound = alias.or_else(|| full.last().cloned());
    if !full.is_empty() {
        out.push((full, bound));
    }
}

/// The paths a file names: use trees, and `a::b` sequences in its code.
fn scan(code: &str) -> (Vec<Named>, Vec<Reexport>) {
    let mut names = Vec::new();
    let mut reexports = Vec::new();
    let line_at = |pos: usize| code[..pos].matches('\n').count() + 1;
    // Use statements (possibly over several lines).
    let mut pos = 0;
    while let Some(found) = code[pos..].find("use ") {
        let at = pos + found;
        pos = at + 4;
        let before = code[..at].chars().next_back();
        if before.is_some_and(is_ident) {
            continue;
        }
        let Some(end) = code[at..].find(';') else {
            break;
        };
        let stmt = &code[at + 4..at + end];
        let public = code[..at].trim_end().ends_with("pub")
            || code[..at].trim_end().ends_with(')') && code[..at].trim_end().contains("pub(");
        let mut paths = Vec::new();
        expand(stmt, &[], &mut paths);
        for (p, bound) in paths {
            if public && let Some(b) = bound {
                reexports.push((b, p.clone()));
            }
            names.push((p, line_at(at)));
        }
        pos = at + end;
    }
    // Paths in the code: identifier (:: identifier)+.
    let chars: Vec<(usize, char)> = code.char_indices().collect();
    let mut i = 0;
    while i < chars.len() {
        let (start, c) = chars[i];
        if !(c.is_ascii_alphabetic() || c == '_')
            || (i > 0 && (is_ident(chars[i - 1].1) || chars[i - 1].1 == ':'))
        {
            i += 1;
            continue;
        }
        let mut segs = Vec::new();
        let mut j = i;
        loop {
            let s = j;
            while j < chars.len() && is_ident(chars[j].1) {
                j += 1;
            }
            if s == j {
                break;
            }
            segs.push(chars[s..j].iter().map(|(_, c)| *c).collect::<String>());
            if j + 1 < chars.len() && chars[j].1 == ':' && chars[j + 1].1 == ':' {
                j += 2;
            } else {
                break;
            }
        }
        if segs.len() >= 2 {
            names.push((segs, line_at(start)));
        }
        i = j.max(i + 1);
    }
    (names, reexports)
}

fn module_of(root: &Path, file: &Path) -> Module {
    let rel = file.strip_prefix(root).unwrap_or(file);
    let mut m: Module = rel
        .with_extension("")
        .components()
        .map(|c| c.as_os_str().to_string_lossy().into_owned())
        .collect();
    if matches!(m.last().map(String::as_str), Some("mod" | "lib" | "main")) {
        m.pop();
    }
    m
}

fn rust_files(dir: &Path, out: &mut Vec<PathBuf>) {
    let Ok(entries) = std::fs::read_dir(dir) else {
        return;
    };
    for e in entries.flatten() {
        let p = e.path();
        if p.is_dir() {
            rust_files(&p, out);
        } else if p.extension().is_some_and(|x| x == "rs") {
            out.push(p);
        }
    }
}

fn load(root: &Path) -> Crate {
    let mut files = Vec::new();
    rust_files(root, &mut files);
    files.sort();
    let mut krate = Crate {
        files: BTreeMap::new(),
        names: BTreeMap::new(),
        reexports: BTreeMap::new(),
    };
    for f in files {
        // `main.rs` beside `lib.rs` is the binary, a crate of its own.
        if f.file_name().is_some_and(|n| n == "main.rs") && root.join("lib.rs").exists() {
            continue;
        }
        let module = module_of(root, &f);
        let src = std::fs::read_to_string(&f).unwrap_or_default();
        let (names, reexports) = scan(&strip(&src));
        krate.names.insert(module.clone(), names);
        krate
            .reexports
            .insert(module.clone(), reexports.into_iter().collect());
        krate.files.insert(module, f);
    }
    krate
}

impl Crate {
    /// The module a path written in `from` leads to, following re-exports.
    fn resolve(&self, from: &Module, path: &[String], depth: u32) -> Option<Module> {
        let mut segs = path.iter();
        let first = segs.next()?;
        let mut at: Module = match first.as_str() {
            "crate" => Vec::new(),
            "self" => from.clone(),
            "super" => from[..from.len().checked_sub(1)?].to_vec(),
            other => {
                let mut child = from.clone();
                child.push(other.to_owned());
                if !self.files.contains_key(&child) {
                    return None;
                }
                child
            }
        };
        let mut rest: Vec<&String> = Vec::new();
        for s in segs {
            if !rest.is_empty() {
                rest.push(s);
                continue;
            }
            match s.as_str() {
                "super" if !at.is_empty() => {
                    at.pop();
                }
                "self" => {}
                _ => {
                    let mut next = at.clone();
                    next.push(s.clone());
                    if self.files.contains_key(&next) {
                        at = next;
                    } else {
                        rest.push(s);
                    }
                }
            }
        }
        // `module::Name` where the module re-exports `Name` from elsewhere.
        if let Some(name) = rest.first()
            && depth < 8
            && let Some(src) = self.reexports.get(&at).and_then(|r| r.get(name.as_str()))
            && let Some(real) = self.resolve(&at, src, depth + 1)
        {
            return Some(real);
        }
        Some(at)
    }

    /// Every use of one module by another: (from, to) → where.
    fn edges(&self) -> BTreeMap<(Module, Module), (PathBuf, usize)> {
        let mut edges = BTreeMap::new();
        for (from, names) in &self.names {
            for (path, line) in names {
                let Some(to) = self.resolve(from, path, 0) else {
                    continue;
                };
                if &to != from {
                    edges
                        .entry((from.clone(), to))
                        .or_insert_with(|| (self.files[from].clone(), *line));
                }
            }
        }
        edges
    }

    /// The circles among the children of every module, each with the uses
    /// that make it.
    fn circles(&self) -> Vec<String> {
        let edges = self.edges();
        let mut found = Vec::new();
        let parents: BTreeSet<Module> = self.files.keys().cloned().collect();
        for parent in &parents {
            let child_of = |m: &Module| -> Option<String> {
                (m.len() > parent.len() && m.starts_with(parent)).then(|| m[parent.len()].clone())
            };
            let mut graph: BTreeMap<String, BTreeMap<String, String>> = BTreeMap::new();
            for ((a, b), (file, line)) in &edges {
                if let (Some(x), Some(y)) = (child_of(a), child_of(b))
                    && x != y
                {
                    graph
                        .entry(x)
                        .or_default()
                        .entry(y)
                        .or_insert_with(|| format!("{}:{line}", file.display()));
                }
            }
            for cycle in cycles(&graph) {
                let mut text = format!("in `{}`: ", display(parent));
                for w in cycle.windows(2) {
                    text.push_str(&format!("{} -> {} ({}); ", w[0], w[1], graph[&w[0]][&w[1]]));
                }
                found.push(text);
            }
        }
        found
    }
}

fn display(m: &Module) -> String {
    if m.is_empty() {
        "crate".into()
    } else {
        m.join("::")
    }
}

/// One cycle per strongly connected component with more than one node,
/// written as a closed walk (first node repeated at the end).
fn cycles(graph: &BTreeMap<String, BTreeMap<String, String>>) -> Vec<Vec<String>> {
    let nodes: BTreeSet<&String> = graph
        .keys()
        .chain(graph.values().flat_map(|m| m.keys()))
        .collect();
    let mut seen_in_cycle: BTreeSet<String> = BTreeSet::new();
    let mut out = Vec::new();
    for start in nodes {
        if seen_in_cycle.contains(start) {
            continue;
        }
        // Shortest path from start back to itself, breadth first.
        let mut prev: BTreeMap<String, String> = BTreeMap::new();
        let mut queue = std::collections::VecDeque::from([start.clone()]);
        let mut closed = None;
        while let Some(n) = queue.pop_front() {
            for next in graph.get(&n).into_iter().flat_map(|m| m.keys()) {
                if next == start {
                    closed = Some(n.clone());
                    break;
                }
                if !prev.contains_key(next) {
                    prev.insert(next.clone(), n.clone());
                    queue.push_back(next.clone());
                }
            }
            if closed.is_some() {
                break;
            }
        }
        if let Some(last) = closed {
            // prev leads from `last` back to `start`.
            let mut back = vec![last];
            while let Some(p) = prev.get(back.last().unwrap_or(start)) {
                back.push(p.clone());
            }
            let mut walk = vec![start.clone()];
            walk.extend(back.into_iter().rev().filter(|n| n != start));
            walk.push(start.clone());
            seen_in_cycle.extend(walk.iter().cloned());
            out.push(walk);
        }
    }
    out
}

fn crate_roots() -> Vec<PathBuf> {
    let repo = Path::new(env!("CARGO_MANIFEST_DIR"));
    let mut roots = vec![repo.join("src")];
    let mut handlers: Vec<PathBuf> = std::fs::read_dir(repo.join("handlers"))
        .map(|d| d.flatten().map(|e| e.path().join("src")).collect())
        .unwrap_or_default();
    handlers.sort();
    roots.extend(handlers.into_iter().filter(|p| p.is_dir()));
    roots
}

#[test]
fn no_module_uses_a_sibling_that_uses_it_back() {
    let roots = crate_roots();
    assert!(
        roots.len() >= 5,
        "the host and four handler crates: {roots:?}"
    );
    let mut report = Vec::new();
    for root in &roots {
        let krate = load(root);
        assert!(krate.files.len() > 5, "{} has its files", root.display());
        for c in krate.circles() {
            report.push(format!("{}: {c}", root.display()));
        }
    }
    assert!(
        report.is_empty(),
        "import circles ({}):\n{}",
        report.len(),
        report.join("\n")
    );
}

#[test]
fn the_check_sees_a_circle_between_siblings_and_through_a_reexport() {
    let dir = std::env::temp_dir().join(format!("circles-{}", std::process::id()));
    let _ = std::fs::remove_dir_all(&dir);
    std::fs::create_dir_all(dir.join("b")).unwrap();
    let write = |p: &str, s: &str| std::fs::write(dir.join(p), s).unwrap();
    write("lib.rs", "mod a;\nmod b;\nmod c;\nmod d;\nmod e;\n");
    write("a.rs", "use crate::b::Thing;\n");
    // b re-exports from its child, which reaches back to a.
    write("b/mod.rs", "mod inner;\npub use inner::Thing;\n");
    write(
        "b/inner.rs",
        "pub struct Thing;\nfn f() { crate::a::g(); }\n",
    );
    // c and d only one way; e names d only in a comment and a string.
    write("c.rs", "use super::d;\n");
    write("d.rs", "pub fn h() {}\n");
    write("e.rs", "// crate::d::h\nconst S: &str = \"crate::d::h\";\n");
    for f in 0..3 {
        write(&format!("f{f}.rs"), "");
    }
    let krate = load(&dir);
    let circles = krate.circles();
    let _ = std::fs::remove_dir_all(&dir);
    assert_eq!(circles.len(), 1, "{circles:?}");
    assert!(circles[0].starts_with("in `crate`: a -> b"), "{circles:?}");
    assert!(circles[0].contains("b -> a"), "{circles:?}");
    let edges = krate.edges();
    assert!(edges.contains_key(&(vec!["c".into()], vec!["d".into()])));
    assert!(!edges.keys().any(|(a, _)| a == &vec!["e".to_string()]));
}

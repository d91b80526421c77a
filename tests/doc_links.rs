//! Every link and picture in the tracked Markdown docs points at something that exists: a
//! relative link names a tracked file (or folder), and a `#fragment` names a heading of the
//! page it points into, slugged the way GitHub slugs headings. Links to the web are not
//! followed. pulldown-cmark reads the Markdown, so code blocks and inline code are not taken
//! for links; `<img src="…">` inside HTML is checked too.

mod common;

use pulldown_cmark::{Event, Parser, Tag, TagEnd};
use std::collections::{BTreeMap, BTreeSet};
use std::path::{Component, Path, PathBuf};

/// One page's links (targets as written) and the anchors its headings define.
struct Page {
    links: Vec<String>,
    anchors: BTreeSet<String>,
}

/// GitHub's anchor for a heading: lower case, punctuation other than `-` and `_` dropped,
/// each space a `-`; a repeated heading gets `-1`, `-2`, … (handled by the caller).
fn slug(heading: &str) -> String {
    heading
        .to_lowercase()
        .chars()
        .filter_map(|c| match c {
            ' ' => Some('-'),
            '-' | '_' => Some(c),
            c if c.is_alphanumeric() => Some(c),
            _ => None,
        })
        .collect()
}

/// The `src="…"` values of `<img>` tags in a piece of HTML.
fn image_sources(html: &str) -> Vec<String> {
    html.split("<img")
        .skip(1)
        .filter_map(|tag| {
            let tag = &tag[..tag.find('>').unwrap_or(tag.len())];
            let start = tag.find("src=\"")? + 5;
            let len = tag[start..].find('"')?;
            Some(tag[start..start + len].to_string())
        })
        .collect()
}

fn read_page(text: &str) -> Page {
    let mut links = Vec::new();
    let mut anchors = BTreeSet::new();
    let mut seen: BTreeMap<String, usize> = BTreeMap::new();
    let mut heading: Option<String> = None;
    for event in Parser::new(text) {
        match event {
            Event::Start(Tag::Link { dest_url, .. } | Tag::Image { dest_url, .. }) => {
                links.push(dest_url.to_string())
            }
            Event::Start(Tag::Heading { .. }) => heading = Some(String::new()),
            Event::End(TagEnd::Heading(_)) => {
                let base = slug(heading.take().unwrap_or_default().trim());
                let count = seen.entry(base.clone()).or_default();
                anchors.insert(match *count {
                    0 => base,
                    n => format!("{base}-{n}"),
                });
                *count += 1;
            }
            Event::Text(t) | Event::Code(t) => {
                if let Some(h) = heading.as_mut() {
                    h.push_str(&t);
                }
            }
            Event::Html(html) | Event::InlineHtml(html) => links.extend(image_sources(&html)),
            _ => {}
        }
    }
    Page { links, anchors }
}

/// `base`'s folder joined with `relative`, with `.` and `..` resolved (None: above the root).
fn resolve(page: &Path, relative: &str) -> Option<PathBuf> {
    let mut path = PathBuf::new();
    for part in page
        .parent()
        .unwrap_or(Path::new(""))
        .join(relative)
        .components()
    {
        match part {
            Component::ParentDir => {
                if !path.pop() {
                    return None;
                }
            }
            Component::CurDir => {}
            other => path.push(other),
        }
    }
    Some(path)
}

/// Each broken link of `pages` (path → text), as "page: target (why)".
fn broken_links(pages: &BTreeMap<PathBuf, String>, tracked: &BTreeSet<PathBuf>) -> Vec<String> {
    let read: BTreeMap<&PathBuf, Page> = pages.iter().map(|(p, t)| (p, read_page(t))).collect();
    let folders: BTreeSet<PathBuf> = tracked
        .iter()
        .flat_map(|p| p.ancestors().skip(1).map(Path::to_path_buf))
        .collect();
    let mut broken = Vec::new();
    for (page, content) in &read {
        for link in &content.links {
            if link.contains("://") || link.starts_with("mailto:") {
                continue;
            }
            let (file, fragment) = link.split_once('#').unwrap_or((link, ""));
            let target = if file.is_empty() {
                Some((*page).clone())
            } else {
                resolve(page, file)
            };
            let why = match &target {
                None => Some("points above the repository".to_string()),
                Some(t) if !tracked.contains(t) && !folders.contains(t) => {
                    Some(format!("{} is not a tracked file", t.display()))
                }
                Some(t) if !fragment.is_empty() => match read.get(t) {
                    Some(p) if !p.anchors.contains(fragment) => {
                        Some(format!("{} has no heading #{fragment}", t.display()))
                    }
                    None => Some(format!("{} is not a Markdown page", t.display())),
                    _ => None,
                },
                _ => None,
            };
            if let Some(why) = why {
                broken.push(format!("{}: {link} ({why})", page.display()));
            }
        }
    }
    broken
}

#[test]
fn headings_slug_as_github_slugs_them() {
    assert_eq!(slug("GPU: NVIDIA H200"), "gpu-nvidia-h200");
    assert_eq!(slug("Mixed precision (bf16)"), "mixed-precision-bf16");
    assert_eq!(
        slug("Where the time went, and what was changed"),
        "where-the-time-went-and-what-was-changed"
    );
    assert_eq!(slug("`lsgan compare` — sweeps"), "lsgan-compare--sweeps");
    let page = read_page("# A\n## A\n### `b_c` d\n```\n[x](nowhere.md)\n```\n<img src=\"p.png\">");
    assert_eq!(
        page.anchors,
        BTreeSet::from(["a".into(), "a-1".into(), "b_c-d".into()])
    );
    assert_eq!(page.links, ["p.png"]);
}

#[test]
fn the_check_finds_missing_files_and_anchors() {
    let pages = BTreeMap::from([
        (
            PathBuf::from("README.md"),
            "# Top\n[ok](docs/B.md#part-two) [gone](docs/C.md) [bad](docs/B.md#nope) \
             [self](#top) [web](https://example.org/x#y) ![pic](docs/p.png) [up](../x.md)"
                .to_string(),
        ),
        (
            PathBuf::from("docs/B.md"),
            "## Part two\n[back](../README.md#top) <img src=\"q.png\">".to_string(),
        ),
    ]);
    let tracked: BTreeSet<PathBuf> = ["README.md", "docs/B.md", "docs/p.png"]
        .iter()
        .map(PathBuf::from)
        .collect();
    assert_eq!(
        broken_links(&pages, &tracked),
        [
            "README.md: docs/C.md (docs/C.md is not a tracked file)",
            "README.md: docs/B.md#nope (docs/B.md has no heading #nope)",
            "README.md: ../x.md (points above the repository)",
            "docs/B.md: q.png (docs/q.png is not a tracked file)",
        ]
    );
}

#[test]
fn every_link_in_the_docs_points_at_something_that_exists() {
    let root = Path::new(env!("CARGO_MANIFEST_DIR"));
    let tracked: BTreeSet<PathBuf> = common::tracked_files()
        .into_iter()
        .map(PathBuf::from)
        .collect();
    let pages: BTreeMap<PathBuf, String> = tracked
        .iter()
        .filter(|p| p.extension().is_some_and(|e| e == "md"))
        .filter_map(|p| Some((p.clone(), std::fs::read_to_string(root.join(p)).ok()?)))
        .collect();
    assert!(
        pages.len() >= 10 && pages.contains_key(Path::new("README.md")),
        "read {} Markdown pages",
        pages.len()
    );
    let links: usize = pages.values().map(|t| read_page(t).links.len()).sum();
    assert!(links >= 100, "found only {links} links in the docs");
    let broken = broken_links(&pages, &tracked);
    assert!(
        broken.is_empty(),
        "{} broken links:\n{}",
        broken.len(),
        broken.join("\n")
    );
}

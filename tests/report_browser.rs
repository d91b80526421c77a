//! report.html in a real browser: Debian's headless Chromium (installed by scripts/install-browser.sh)
//! loads the report of a small sweep, and a script run in the page after it loaded reports
//! what a reader would see: every embedded picture decoded, the tables laid out without the
//! page scrolling sideways, headers and title written for people (words, none broken across
//! lines but at a space or hyphen, "2 seeds"), and numbers written for people (modes as `n / 8`, shares as
//! percentages, no `8.0000 ± 0.0000`). A screenshot of the page must show a picture, not a
//! blank page.

mod common;

use std::path::Path;

use common::{colours_in, ring_comparison_of_two_losses, succeeded};
use serde_json::Value;

const WINDOW: (u32, u32) = (1400, 1000);

/// Reports, once the page has loaded, what it shows: pictures, tables and every cell's text.
const CHECK: &str = r#"<script>
window.addEventListener('load', () => {
  const images = [...document.images];
  const check = document.createElement('pre');
  check.id = 'browser-check';
  check.textContent = JSON.stringify({
    images: images.length,
    decoded: images.filter(i => i.complete && i.naturalWidth > 0).length,
    tables: document.querySelectorAll('table').length,
    title: document.querySelector('h1').textContent,
    budget: document.querySelector('p').textContent,
    headings: [...document.querySelectorAll('h2')].map(h => h.textContent),
    brokenWords: [...document.querySelectorAll('th')].flatMap(th => {
      const broken = [];
      for (const text of [...th.childNodes].filter(n => n.nodeType === Node.TEXT_NODE)) {
        for (const word of text.data.matchAll(/[^\s-]+/g)) {
          const range = document.createRange();
          range.setStart(text, word.index);
          range.setEnd(text, word.index + word[0].length);
          const lines = new Set([...range.getClientRects()].map(r => Math.round(r.top)));
          if (lines.size > 1) broken.push(word[0]);
        }
      }
      return broken;
    }),
    scrollWidth: document.documentElement.scrollWidth,
    innerWidth: window.innerWidth,
    header: [...document.querySelectorAll('table')[0].rows[0].cells].map(c => c.textContent),
    rows: [...document.querySelectorAll('table')[0].rows].slice(1)
      .map(r => [...r.cells].map(c => c.textContent)),
  });
  document.body.appendChild(check);
});
</script>"#;

fn chromium(page: &Path, args: &[&str]) -> std::process::Output {
    common::chromium(&format!("file://{}", page.display()), WINDOW, args)
}

#[test]
fn the_report_reads_well_in_a_real_browser() {
    let dir = tempfile::tempdir().unwrap();
    let out = dir.path().join("sweep");
    succeeded(
        ring_comparison_of_two_losses(&out)
            .args([
                "--vary",
                "critic_steps=1,2",
                "--jobs",
                "2",
                "--iters",
                "200",
            ])
            .args([
                "--gen-width",
                "32",
                "--critic-width",
                "32",
                "--batch-size",
                "64",
            ])
            .args(["--eval-samples", "500", "--log-every", "50"])
            .output()
            .unwrap(),
    );
    let report = std::fs::read_to_string(out.join("report.html")).unwrap();
    let page = dir.path().join("checked.html");
    std::fs::write(&page, report.replace("</body>", &format!("{CHECK}</body>"))).unwrap();

    let dom = chromium(&page, &["--virtual-time-budget=10000", "--dump-dom"]);
    let dom = String::from_utf8(dom.stdout).unwrap();
    let start = dom
        .find("<pre id=\"browser-check\">")
        .expect("the check ran")
        + 24;
    let end = start + dom[start..].find("</pre>").unwrap();
    let text = dom[start..end]
        .replace("&amp;", "&")
        .replace("&lt;", "<")
        .replace("&gt;", ">");
    let seen: Value = serde_json::from_str(&text).unwrap();

    let images = seen["images"].as_u64().unwrap();
    assert!(images >= 8, "pictures for each loss's best variant: {seen}");
    assert_eq!(
        seen["decoded"].as_u64(),
        Some(images),
        "every picture decodes: {seen}"
    );
    assert!(
        seen["tables"].as_u64().unwrap() >= 4,
        "summary, ranking, runs, claims: {seen}"
    );
    for heading in ["Ranking", "Runs", "Claims, read automatically"] {
        assert!(
            seen["headings"]
                .as_array()
                .unwrap()
                .iter()
                .any(|h| h == heading),
            "{heading}: {seen}"
        );
    }
    assert!(
        seen["scrollWidth"].as_u64() <= seen["innerWidth"].as_u64(),
        "the page does not scroll sideways: {seen}"
    );
    assert_eq!(seen["title"], "LS-GAN and WGAN-GP on ring", "{seen}");
    let budget = seen["budget"].as_str().unwrap();
    assert!(
        budget.starts_with("200 iterations, 2 seeds per loss."),
        "{budget}"
    );
    assert_eq!(
        seen["brokenWords"].as_array().map(Vec::len),
        Some(0),
        "a header word broken across lines: {seen}"
    );
    let header: Vec<&str> = seen["header"]
        .as_array()
        .unwrap()
        .iter()
        .map(|h| h.as_str().unwrap())
        .collect();
    assert!(
        header.contains(&"seconds per iteration") && header.contains(&"energy distance"),
        "headers in words, not keys: {header:?}"
    );
    let column = |name: &str| {
        header
            .iter()
            .position(|h| *h == name)
            .unwrap_or_else(|| panic!("no column {name}: {header:?}"))
    };
    let rows = seen["rows"].as_array().unwrap();
    assert_eq!(rows.len(), 4, "two losses × two variants: {seen}");
    for row in rows {
        let cell = |key: &str| row[column(key)].as_str().unwrap().to_string();
        let modes = cell("modes covered");
        assert!(modes.ends_with(" / 8"), "modes as a count of 8: {modes}");
        let share = cell("high-quality points");
        assert!(share.ends_with('%'), "a share as a percentage: {share}");
        for value in row.as_array().unwrap() {
            let value = value.as_str().unwrap();
            assert!(
                !value.ends_with("± 0.0000") && !value.contains(".0000 ±"),
                "a spread of 0 written out, or four idle decimals: {row}"
            );
        }
    }

    let screenshot = dir.path().join("report.png");
    let flag = format!("--screenshot={}", screenshot.display());
    chromium(&out.join("report.html"), &[&flag]);
    assert_eq!(image::image_dimensions(&screenshot).unwrap(), WINDOW);
    let colours = colours_in(&screenshot);
    assert!(
        colours > 50,
        "a page with text and tables, not blank: {colours} colours"
    );
}

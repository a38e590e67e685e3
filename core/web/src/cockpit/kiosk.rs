//! The district big screen's charts (数据大屏): server-drawn SVG for a dark wall screen.
//!
//! Why SVG drawn here rather than a charting library such as ECharts: the figures are already
//! computed on the server, the page must work under a content security policy without inline
//! script or style, a kiosk browser may be old, and a vendored library would add about a
//! megabyte to every first load; a ring, a line, bars and dots on a map are a few hundred lines.
//! Each chart's `viewBox` is the size of its box on a 1920×1080 screen, so text drawn at 16
//! units is 16 px there and scales with the screen (the page scales the whole canvas); every
//! chart carries its numbers as text for screen readers (`aria-label`).

use std::fmt::Write;

use liaison_host::html::escape as esc;

/// The screen's palette: light ink on a dark navy, one accent per meaning.
pub const INK: &str = "#e6eef8";
pub const MUTED: &str = "#9fb3c8";
pub const CYAN: &str = "#38bdf8";
pub const GREEN: &str = "#34d399";
pub const AMBER: &str = "#fbbf24";
pub const RED: &str = "#f87171";
/// Eight distinct hues for the category ring, readable on the dark ground.
const HUES: [&str; 8] = [
    "#38bdf8", "#34d399", "#fbbf24", "#f472b6", "#a78bfa", "#fb923c", "#2dd4bf", "#94a3b8",
];

fn open_svg(out: &mut String, w: f64, h: f64, label: &str) {
    let _ = write!(
        out,
        r##"<svg class="k-chart" viewBox="0 0 {w} {h}" preserveAspectRatio="xMidYMid meet" role="img" aria-label="{}" xmlns="http://www.w3.org/2000/svg">"##,
        esc(label)
    );
}

/// One labelled number.
pub struct Item {
    pub label: String,
    pub value: i64,
}

/// A ring of shares (the categories) with its legend at the right.
pub fn ring(title: &str, items: &[Item], w: f64, h: f64) -> String {
    let total: i64 = items.iter().map(|i| i.value.max(0)).sum();
    let summary: Vec<String> = items
        .iter()
        .map(|i| format!("{} {}", i.label, i.value))
        .collect();
    let mut s = String::new();
    open_svg(&mut s, w, h, &format!("{title}: {}", summary.join("; ")));
    let r = (h / 2.0 - 12.0).min(w * 0.24);
    let (cx, cy) = (r + 12.0, h / 2.0);
    let stroke = r * 0.36;
    let rr = r - stroke / 2.0;
    let circ = std::f64::consts::TAU * rr;
    let mut at = 0.0;
    let shown = items.iter().take(HUES.len());
    for (i, it) in shown.clone().enumerate() {
        if total == 0 || it.value <= 0 {
            continue;
        }
        let len = circ * it.value as f64 / total as f64;
        let _ = write!(
            s,
            r##"<circle cx="{cx:.1}" cy="{cy:.1}" r="{rr:.1}" fill="none" stroke="{}" stroke-width="{stroke:.1}" stroke-dasharray="{len:.2} {:.2}" stroke-dashoffset="{:.2}" transform="rotate(-90 {cx:.1} {cy:.1})"/>"##,
            HUES[i],
            circ - len,
            -at
        );
        at += len;
    }
    if total == 0 {
        let _ = write!(
            s,
            r##"<circle cx="{cx:.1}" cy="{cy:.1}" r="{rr:.1}" fill="none" stroke="#1f4068" stroke-width="{stroke:.1}"/>"##
        );
    }
    let _ = write!(
        s,
        r##"<text x="{cx:.1}" y="{:.1}" font-size="34" font-weight="700" text-anchor="middle" fill="{INK}">{total}</text><text x="{cx:.1}" y="{:.1}" font-size="16" text-anchor="middle" fill="{MUTED}">{}</text>"##,
        cy + 6.0,
        cy + 30.0,
        esc(title)
    );
    let lx = cx + r + 28.0;
    let n = shown.clone().count().max(1) as f64;
    let row = ((h - 8.0) / n).min(38.0);
    let top = (h - row * n) / 2.0;
    for (i, it) in shown.enumerate() {
        let y = top + row * i as f64 + row / 2.0;
        let pct = if total > 0 {
            format!("{:.0}%", it.value as f64 * 100.0 / total as f64)
        } else {
            "—".into()
        };
        let _ = write!(
            s,
            r##"<rect x="{lx:.1}" y="{:.1}" width="14" height="14" rx="3" fill="{}"/><text x="{:.1}" y="{:.1}" font-size="18" fill="{INK}">{}</text><text x="{:.1}" y="{:.1}" font-size="18" text-anchor="end" fill="{INK}">{} <tspan fill="{MUTED}">{pct}</tspan></text>"##,
            y - 7.0,
            HUES[i],
            lx + 22.0,
            y + 6.0,
            esc(&it.label),
            w - 4.0,
            y + 6.0,
            it.value
        );
    }
    s.push_str("</svg>");
    s
}

/// Received and closed over the last twelve months.
pub fn trend(
    title: &str,
    labels: &[String],
    lines: &[(&str, &str, Vec<i64>)],
    w: f64,
    h: f64,
) -> String {
    let max = lines
        .iter()
        .flat_map(|l| l.2.iter().copied())
        .max()
        .unwrap_or(0)
        .max(1) as f64;
    let summary: Vec<String> = lines
        .iter()
        .map(|(name, _, v)| {
            let pts: Vec<String> = labels
                .iter()
                .zip(v)
                .map(|(m, n)| format!("{m} {n}"))
                .collect();
            format!("{name}: {}", pts.join(", "))
        })
        .collect();
    let mut s = String::new();
    open_svg(&mut s, w, h, &format!("{title}. {}", summary.join("; ")));
    let (left, right, top, bottom) = (44.0, 16.0, 36.0, 30.0);
    let (pw, ph) = (w - left - right, h - top - bottom);
    let step = pw / (labels.len().max(2) - 1) as f64;
    // Legend.
    let mut lx = left;
    for (name, colour, _) in lines {
        let _ = write!(
            s,
            r##"<rect x="{lx:.1}" y="6" width="16" height="16" rx="3" fill="{colour}"/><text x="{:.1}" y="20" font-size="16" fill="{INK}">{}</text>"##,
            lx + 22.0,
            esc(name)
        );
        lx += 40.0 + 16.0 * name.chars().count() as f64;
    }
    // Grid: the top value and zero.
    for (v, y) in [(max as i64, top), (0, top + ph)] {
        let _ = write!(
            s,
            r##"<line x1="{left}" x2="{:.1}" y1="{y:.1}" y2="{y:.1}" stroke="#1f4068"/><text x="{:.1}" y="{:.1}" font-size="16" text-anchor="end" fill="{MUTED}">{v}</text>"##,
            w - right,
            left - 6.0,
            y + 5.0
        );
    }
    for (i, m) in labels.iter().enumerate() {
        // Month labels: the month only ("3月"), the year where it changes.
        let short = m
            .split('-')
            .nth(1)
            .and_then(|x| x.parse::<u32>().ok())
            .map_or_else(|| m.clone(), |n| format!("{n}月"));
        let _ = write!(
            s,
            r##"<text x="{:.1}" y="{:.1}" font-size="16" text-anchor="middle" fill="{MUTED}">{}</text>"##,
            left + step * i as f64,
            h - 8.0,
            esc(&short)
        );
    }
    for (name, colour, values) in lines {
        let pts: Vec<String> = values
            .iter()
            .enumerate()
            .map(|(i, v)| {
                format!(
                    "{:.1},{:.1}",
                    left + step * i as f64,
                    top + ph - ph * *v as f64 / max
                )
            })
            .collect();
        let _ = write!(
            s,
            r##"<polyline points="{}" fill="none" stroke="{colour}" stroke-width="3"><title>{}</title></polyline>"##,
            pts.join(" "),
            esc(name)
        );
        for p in &pts {
            let (x, y) = p.split_once(',').unwrap_or(("0", "0"));
            let _ = write!(s, r##"<circle cx="{x}" cy="{y}" r="4" fill="{colour}"/>"##);
        }
    }
    s.push_str("</svg>");
    s
}

/// One station's bar: what is closed, open on time and overdue.
pub struct StationBar {
    pub label: String,
    pub closed: i64,
    pub open: i64,
    pub overdue: i64,
}

/// The stations side by side: one stacked bar each.
pub fn station_bars(title: &str, legend: [&str; 3], rows: &[StationBar], w: f64, h: f64) -> String {
    let max = rows
        .iter()
        .map(|r| r.closed + r.open)
        .max()
        .unwrap_or(0)
        .max(1) as f64;
    let summary: Vec<String> = rows
        .iter()
        .map(|r| {
            format!(
                "{}: {} {}, {} {}, {} {}",
                r.label, legend[0], r.closed, legend[1], r.open, legend[2], r.overdue
            )
        })
        .collect();
    let mut s = String::new();
    open_svg(&mut s, w, h, &format!("{title}. {}", summary.join("; ")));
    let colours = [GREEN, CYAN, RED];
    let mut lx = 0.0;
    for (name, colour) in legend.iter().zip(colours) {
        let _ = write!(
            s,
            r##"<rect x="{lx:.1}" y="4" width="16" height="16" rx="3" fill="{colour}"/><text x="{:.1}" y="18" font-size="16" fill="{INK}">{}</text>"##,
            lx + 22.0,
            esc(name)
        );
        lx += 40.0 + 16.0 * name.chars().count() as f64;
    }
    let top = 30.0;
    let label_w = 96.0;
    let num_w = 56.0;
    let n = rows.len().max(1) as f64;
    let row = ((h - top) / n).min(34.0);
    let bar = (row - 10.0).clamp(8.0, 20.0);
    let span = w - label_w - num_w;
    for (i, r) in rows.iter().enumerate() {
        let y = top + row * i as f64;
        let _ = write!(
            s,
            r##"<text x="{:.1}" y="{:.1}" font-size="16" text-anchor="end" fill="{INK}">{}</text>"##,
            label_w - 8.0,
            y + row / 2.0 + 6.0,
            esc(&r.label)
        );
        let mut x = label_w;
        let on_time = (r.open - r.overdue).max(0);
        for (v, colour) in [(r.closed, GREEN), (on_time, CYAN), (r.overdue, RED)] {
            let bw = span * v.max(0) as f64 / max;
            if bw > 0.0 {
                let _ = write!(
                    s,
                    r##"<rect x="{x:.1}" y="{:.1}" width="{bw:.1}" height="{bar:.1}" fill="{colour}"/>"##,
                    y + (row - bar) / 2.0
                );
            }
            x += bw;
        }
        let _ = write!(
            s,
            r##"<text x="{:.1}" y="{:.1}" font-size="16" fill="{INK}">{}</text>"##,
            x + 6.0,
            y + row / 2.0 + 6.0,
            r.closed + r.open
        );
    }
    s.push_str("</svg>");
    s
}

/// A station on the map.
pub struct Dot {
    pub label: String,
    pub lat: f64,
    pub lng: f64,
    pub open: i64,
    pub overdue: i64,
}

/// The district as a schematic map: each station where its coordinates put it, sized by its
/// open cases and coloured by how many of them are overdue, on the padded outline of the
/// stations themselves (no boundary data is shipped, so the outline says "roughly here").
pub fn map(title: &str, legend: &str, dots: &[Dot], w: f64, h: f64) -> String {
    let summary: Vec<String> = dots
        .iter()
        .map(|d| format!("{}: {} / {}", d.label, d.open, d.overdue))
        .collect();
    let mut s = String::new();
    open_svg(&mut s, w, h, &format!("{title}. {}", summary.join("; ")));
    if dots.is_empty() {
        let _ = write!(
            s,
            r##"<text x="{:.1}" y="{:.1}" font-size="18" text-anchor="middle" fill="{MUTED}">—</text></svg>"##,
            w / 2.0,
            h / 2.0
        );
        return s;
    }
    // Equirectangular, corrected for the latitude: at a district's scale it is true enough.
    let mean_lat = dots.iter().map(|d| d.lat).sum::<f64>() / dots.len() as f64;
    let k = mean_lat.to_radians().cos();
    let xs: Vec<f64> = dots.iter().map(|d| d.lng * k).collect();
    let ys: Vec<f64> = dots.iter().map(|d| -d.lat).collect();
    let (min_x, max_x) = bounds(&xs);
    let (min_y, max_y) = bounds(&ys);
    let (pad_x, pad_top, pad_bottom) = (80.0, 36.0, 60.0);
    let (aw, ah) = (w - 2.0 * pad_x, h - pad_top - pad_bottom);
    let scale = (aw / (max_x - min_x).max(1e-6)).min(ah / (max_y - min_y).max(1e-6));
    let ox = pad_x + (aw - (max_x - min_x) * scale) / 2.0;
    let oy = pad_top + (ah - (max_y - min_y) * scale) / 2.0;
    let pts: Vec<(f64, f64)> = xs
        .iter()
        .zip(&ys)
        .map(|(x, y)| (ox + (x - min_x) * scale, oy + (y - min_y) * scale))
        .collect();
    let hull = hull(&pts);
    let path: Vec<String> = hull.iter().map(|(x, y)| format!("{x:.1},{y:.1}")).collect();
    let _ = write!(
        s,
        r##"<polygon points="{}" fill="#123456" stroke="#123456" stroke-width="72" stroke-linejoin="round"/><polygon points="{}" fill="none" stroke="#1f4068" stroke-width="2" stroke-dasharray="6 6"/>"##,
        path.join(" "),
        path.join(" ")
    );
    let most = dots.iter().map(|d| d.open).max().unwrap_or(0).max(1) as f64;
    let radius = |d: &Dot| 7.0 + 12.0 * (d.open.max(0) as f64 / most).sqrt();
    // Every circle is taken room; each label goes below its dot, else above, right or left,
    // wherever it overlaps neither a circle nor a label placed before it.
    let mut taken: Vec<[f64; 4]> = dots
        .iter()
        .zip(&pts)
        .map(|(d, (x, y))| {
            let r = radius(d);
            [x - r, y - r, x + r, y + r]
        })
        .collect();
    let overlaps =
        |a: &[f64; 4], b: &[f64; 4]| a[0] < b[2] && b[0] < a[2] && a[1] < b[3] && b[1] < a[3];
    for (i, (d, (x, y))) in dots.iter().zip(&pts).enumerate() {
        let r = radius(d);
        let colour = if d.overdue == 0 {
            GREEN
        } else if d.overdue * 5 <= d.open {
            AMBER
        } else {
            RED
        };
        let _ = write!(
            s,
            r##"<circle cx="{x:.1}" cy="{y:.1}" r="{r:.1}" fill="{colour}" fill-opacity="0.85" stroke="#071426" stroke-width="2"><title>{}</title></circle>"##,
            esc(&format!("{}: {} / {}", d.label, d.open, d.overdue))
        );
        let tw = 16.0 * d.label.chars().count() as f64;
        let spots = [
            (*x, y + r + 17.0, "middle"),
            (*x, y - r - 5.0, "middle"),
            (x + r + 4.0, y + 6.0, "start"),
            (x - r - 4.0, y + 6.0, "end"),
        ];
        let boxed = |(tx, ty, anchor): (f64, f64, &str)| {
            let x0 = match anchor {
                "middle" => tx - tw / 2.0,
                "start" => tx,
                _ => tx - tw,
            };
            [x0, ty - 15.0, x0 + tw, ty + 3.0]
        };
        let pick = spots
            .iter()
            .copied()
            .find(|sp| {
                let b = boxed(*sp);
                b[1] > 0.0
                    && b[3] < h - 24.0
                    && taken
                        .iter()
                        .enumerate()
                        .all(|(j, t)| j == i || !overlaps(&b, t))
            })
            .unwrap_or(spots[0]);
        taken.push(boxed(pick));
        let _ = write!(
            s,
            r##"<text x="{:.1}" y="{:.1}" font-size="16" text-anchor="{}" fill="{INK}">{}</text>"##,
            pick.0,
            pick.1,
            pick.2,
            esc(&d.label)
        );
    }
    let _ = write!(
        s,
        r##"<circle cx="12" cy="{:.1}" r="7" fill="{GREEN}"/><circle cx="30" cy="{:.1}" r="7" fill="{AMBER}"/><circle cx="48" cy="{:.1}" r="7" fill="{RED}"/><text x="62" y="{:.1}" font-size="16" fill="{MUTED}">{}</text>"##,
        h - 12.0,
        h - 12.0,
        h - 12.0,
        h - 6.0,
        esc(legend)
    );
    s.push_str("</svg>");
    s
}

fn bounds(v: &[f64]) -> (f64, f64) {
    v.iter()
        .fold((f64::MAX, f64::MIN), |(lo, hi), x| (lo.min(*x), hi.max(*x)))
}

/// The convex hull (Andrew's monotone chain), clockwise on screen.
fn hull(points: &[(f64, f64)]) -> Vec<(f64, f64)> {
    let mut p = points.to_vec();
    p.sort_by(|a, b| a.partial_cmp(b).unwrap_or(std::cmp::Ordering::Equal));
    p.dedup();
    if p.len() < 3 {
        return p;
    }
    let cross = |o: (f64, f64), a: (f64, f64), b: (f64, f64)| {
        (a.0 - o.0) * (b.1 - o.1) - (a.1 - o.1) * (b.0 - o.0)
    };
    let mut lower: Vec<(f64, f64)> = Vec::new();
    for &q in &p {
        while lower.len() >= 2 && cross(lower[lower.len() - 2], lower[lower.len() - 1], q) <= 0.0 {
            lower.pop();
        }
        lower.push(q);
    }
    let mut upper: Vec<(f64, f64)> = Vec::new();
    for &q in p.iter().rev() {
        while upper.len() >= 2 && cross(upper[upper.len() - 2], upper[upper.len() - 1], q) <= 0.0 {
            upper.pop();
        }
        upper.push(q);
    }
    lower.pop();
    upper.pop();
    lower.extend(upper);
    lower
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn the_hull_keeps_the_corners_only() {
        let h = hull(&[(0.0, 0.0), (2.0, 0.0), (1.0, 1.0), (2.0, 2.0), (0.0, 2.0)]);
        assert_eq!(h.len(), 4);
        assert!(!h.contains(&(1.0, 1.0)));
    }

    #[test]
    fn charts_say_their_numbers_in_text() {
        let r = ring(
            "按类别",
            &[Item {
                label: "城市建设".into(),
                value: 3,
            }],
            528.0,
            300.0,
        );
        assert!(r.contains("aria-label=\"按类别: 城市建设 3\""));
        let m = map(
            "分布",
            "图例",
            &[Dot {
                label: "路南".into(),
                lat: 28.56,
                lng: 121.37,
                open: 4,
                overdue: 1,
            }],
            688.0,
            320.0,
        );
        assert!(m.contains("路南: 4 / 1"));
        // No text under 16 units: 16 px on a 1920×1080 screen.
        for svg in [r, m] {
            for part in svg.split("font-size=\"").skip(1) {
                let n: f64 = part.split('"').next().unwrap().parse().unwrap();
                assert!(n >= 16.0, "{n} in {svg}");
            }
        }
    }
}

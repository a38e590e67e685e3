//! The message catalogue: every kind in Chinese and English, in one table, filled from the
//! notification's data. Sizes are bounded whatever the data holds (a case title is at most a
//! line, but a digest lists many), so no channel is handed an unbounded body.

use serde_json::Value;

/// The longest subject, in characters.
pub const MAX_SUBJECT: usize = 120;
/// The longest body, in characters.
pub const MAX_BODY: usize = 1000;

/// A message in one language, before it gets its recipient.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Rendered {
    /// One line.
    pub subject: String,
    /// The text.
    pub body: String,
    /// An absolute link to the page it is about.
    pub link: Option<String>,
}

/// (kind, zh subject, zh body, en subject, en body). `{x}` is the data's field `x`; `{level}`
/// is the supervision rung's name.
const CATALOGUE: &[(&str, &str, &str, &str, &str)] = &[
    (
        "case.scanned",
        "群众扫了您的代表码：{title}",
        "有群众通过您的代表码反映了意见（第 {case_id} 号）：{title}。请及时查看。",
        "A resident scanned your code: {title}",
        "A resident raised an opinion through your deputy QR code (case {case_id}): {title}. Please have a look.",
    ),
    (
        "case.new",
        "新意见：{title}",
        "本站收到一件新的群众意见（第 {case_id} 号）：{title}，等待登记。",
        "New case: {title}",
        "Your station received a new opinion (case {case_id}): {title}. It waits to be registered.",
    ),
    (
        "case.returned",
        "承办单位退回：{title}",
        "第 {case_id} 号案件被承办单位退回，请重新研判交办：{title}。",
        "Returned by the department: {title}",
        "Case {case_id} was returned by the handling organisation; please assign it again: {title}.",
    ),
    (
        "case.overdue",
        "已超期：{title}",
        "第 {case_id} 号案件当前环节已超过期限：{title}。",
        "Overdue: {title}",
        "Case {case_id} is past the deadline of its current step: {title}.",
    ),
    (
        "case.assigned",
        "新交办：{title}",
        "联络站向贵单位交办了第 {case_id} 号案件：{title}。请在期限内签收。",
        "Assigned to you: {title}",
        "A station assigned case {case_id} to your organisation: {title}. Please acknowledge it in time.",
    ),
    (
        "case.supervised",
        "{level}：{title}",
        "第 {case_id} 号案件收到{level}，请抓紧办理：{title}。",
        "{level}: {title}",
        "Case {case_id} was escalated ({level}); please act on it: {title}.",
    ),
    (
        "case.reopened",
        "重新办理：{title}",
        "群众对第 {case_id} 号案件的答复不满意，案件重新办理：{title}。",
        "Reopened: {title}",
        "The resident was not satisfied with the answer to case {case_id}; it is reopened: {title}.",
    ),
    (
        "case.replied",
        "已答复，请反馈：{title}",
        "第 {case_id} 号案件已有答复，请向群众反馈：{title}。",
        "Answered, please relay: {title}",
        "Case {case_id} has been answered; please relay the answer to the resident: {title}.",
    ),
    (
        "digest.due",
        "今日待办：{count} 件临期或超期",
        "贵单位有 {count} 件案件临期或超期：\n{items}",
        "Today: {count} cases due soon or overdue",
        "Your organisation has {count} cases due soon or overdue:\n{items}",
    ),
    (
        "digest.many",
        "您有 {count} 条新通知",
        "{items}",
        "You have {count} new notifications",
        "{items}",
    ),
    (
        "resident.answered",
        "您反映的问题已有答复",
        "【人大代表联络站】您反映的问题已有答复，请查看并评价：{link}。不再接收短信：{optout}",
        "Your opinion has been answered",
        "Your opinion has been answered. See the answer and rate it: {link}. Stop these texts: {optout}",
    ),
    (
        "resident.closed",
        "您反映的问题已办结",
        "【人大代表联络站】您反映的问题已办结，详情：{link}。不再接收短信：{optout}",
        "Your opinion has been closed",
        "Your opinion has been closed. Details: {link}. Stop these texts: {optout}",
    ),
    (
        "ops.alert",
        "需要运维处理：{text}",
        "{text}",
        "Ops attention needed: {text}",
        "{text}",
    ),
    (
        "suggestion.filed",
        "待立案：{number} {title}",
        "代表提交了{number}《{title}》，请审查立案、退回修改或转为来信处理。",
        "To register: {number_en} {title}",
        "A deputy filed {number_en}, \"{title}\". Please register it, return it for revision or treat it as a letter.",
    ),
    (
        "suggestion.returned",
        "退回修改：{number} {title}",
        "您的{number}《{title}》被退回修改：{reason}。请修改后重新提交。",
        "Returned for revision: {number_en} {title}",
        "Your {number_en}, \"{title}\", was returned for revision: {reason}. Please revise and file it again.",
    ),
    (
        "suggestion.letter",
        "转为来信处理：{number} {title}",
        "您的{number}《{title}》未立案，作为来信转有关单位参考处理。",
        "Treated as a letter: {number_en} {title}",
        "Your {number_en}, \"{title}\", was not registered; it goes to the organisations concerned as a letter for reference.",
    ),
    (
        "suggestion.assigned",
        "新交办：{number} {title}",
        "{number}《{title}》已交办贵单位{part}，期限 {due}。",
        "Assigned: {number_en} {title}",
        "{number_en}, \"{title}\", was assigned to your organisation {part_en}; due on {due}.",
    ),
    (
        "suggestion.supervised",
        "重点督办：{number} {title}",
        "{number}《{title}》列为重点督办件，请加快办理，答复期限 {due}。",
        "Key supervision: {number_en} {title}",
        "{number_en}, \"{title}\", is now under key supervision; please speed up. The reply is due on {due}.",
    ),
    (
        "suggestion.replied",
        "已答复，请评价：{number} {title}",
        "承办单位已答复您的{number}《{title}》，请查看并评价（满意、基本满意、不满意）。",
        "Answered, please evaluate: {number_en} {title}",
        "The lead organisation answered your {number_en}, \"{title}\". Please read it and evaluate it (satisfied, basically satisfied, not satisfied).",
    ),
    (
        "suggestion.rehandle",
        "代表不满意，重新办理：{number} {title}",
        "代表对{number}《{title}》的答复不满意，请{part}重新办理，期限 {due}。",
        "Not satisfied, handle again: {number_en} {title}",
        "The deputy was not satisfied with the answer to {number_en}, \"{title}\"; please handle it again {part_en}, by {due}.",
    ),
    (
        "suggestion.due",
        "临期：{number} {title}",
        "{number}《{title}》的办理期限 {due} 临近，请抓紧办理。",
        "Due soon: {number_en} {title}",
        "{number_en}, \"{title}\", is due on {due}; please act on it.",
    ),
    (
        "suggestion.overdue",
        "已超期：{number} {title}",
        "{number}《{title}》已超过办理期限 {due}。",
        "Overdue: {number_en} {title}",
        "{number_en}, \"{title}\", is past its deadline of {due}.",
    ),
    (
        "suggestion.opinion_due",
        "协办意见临期：{number} {title}",
        "贵单位协办的{number}《{title}》，协办意见应于 {due} 前送主办单位。",
        "Co-handling opinion due: {number_en} {title}",
        "Your organisation co-handles {number_en}, \"{title}\"; its opinion to the lead is due on {due}.",
    ),
    (
        "suggestion.opinion_overdue",
        "协办意见已超期：{number} {title}",
        "贵单位协办的{number}《{title}》，协办意见已超过期限 {due}，请尽快送主办单位。",
        "Co-handling opinion overdue: {number_en} {title}",
        "Your organisation co-handles {number_en}, \"{title}\"; its opinion to the lead was due on {due}. Please send it now.",
    ),
    (
        // The plugin's own words, checked and bounded by the host; `plugin` names who says it.
        "brand.notice",
        "【{plugin}】{subject}",
        "{body}",
        "[{plugin}] {subject}",
        "{body}",
    ),
];

fn level_name(level: i64, en: bool) -> &'static str {
    match (level, en) {
        (3.., false) => "通报",
        (2, false) => "督办",
        (_, false) => "催办",
        (3.., true) => "public notice",
        (2, true) => "supervision",
        (_, true) => "reminder",
    }
}

fn truncate(s: &str, max: usize) -> String {
    if s.chars().count() <= max {
        return s.to_owned();
    }
    let mut out: String = s.chars().take(max - 1).collect();
    out.push('…');
    out
}

fn field(data: &Value, key: &str) -> String {
    match &data[key] {
        Value::String(s) => s.clone(),
        Value::Null => String::new(),
        v => v.to_string(),
    }
}

fn fill(template: &str, data: &Value, en: bool) -> String {
    let mut out = String::with_capacity(template.len() + 64);
    let mut rest = template;
    while let Some(start) = rest.find('{') {
        out.push_str(&rest[..start]);
        let Some(len) = rest[start..].find('}') else {
            out.push_str(&rest[start..]);
            return out;
        };
        let key = &rest[start + 1..start + len];
        if key == "level" {
            out.push_str(level_name(data["level"].as_i64().unwrap_or(1), en));
        } else {
            out.push_str(&field(data, key));
        }
        rest = &rest[start + len + 1..];
    }
    out.push_str(rest);
    out
}

/// Whether the catalogue has `kind`.
pub fn known(kind: &str) -> bool {
    CATALOGUE.iter().any(|(k, ..)| *k == kind)
}

/// The message of `kind` in `lang` (`en`, else Chinese) from `data`, whose `link` (absolute)
/// is the page it is about.
pub fn render(kind: &str, lang: &str, data: &Value) -> Rendered {
    let en = lang == "en";
    let (subject, body) = CATALOGUE
        .iter()
        .find(|(k, ..)| *k == kind)
        .map(|(_, zs, zb, es, eb)| if en { (*es, *eb) } else { (*zs, *zb) })
        .unwrap_or(("{kind}", "{kind}"));
    let link = data["link"].as_str().map(str::to_owned);
    Rendered {
        subject: truncate(fill(subject, data, en).trim(), MAX_SUBJECT),
        body: truncate(fill(body, data, en).trim(), MAX_BODY),
        link,
    }
}

#[cfg(test)]
mod tests {
    use serde_json::json;

    use super::*;

    #[test]
    fn every_kind_has_both_languages_and_fills_its_fields() {
        for kind in super::super::rules::KINDS {
            assert!(known(kind), "{kind} in the catalogue");
        }
        let d = json!({ "case_id": 7, "title": "路灯不亮", "level": 2 });
        let zh = render("case.supervised", "zh", &d);
        assert_eq!(zh.subject, "督办：路灯不亮");
        assert!(zh.body.contains("第 7 号"));
        let en = render("case.supervised", "en", &d);
        assert_eq!(en.subject, "supervision: 路灯不亮");
    }

    #[test]
    fn sizes_are_bounded_whatever_the_data() {
        let d = json!({ "count": 900, "items": "很长的一行\n".repeat(1000), "title": "标".repeat(500) });
        let r = render("digest.due", "zh", &d);
        assert_eq!(r.body.chars().count(), MAX_BODY);
        let r = render("case.new", "zh", &d);
        assert_eq!(r.subject.chars().count(), MAX_SUBJECT);
    }

    #[test]
    fn the_residents_text_carries_the_links_and_nothing_else_of_the_case() {
        let d = json!({ "case_id": 7, "receipt": "ABCD", "link": "https://x/t/ABCD", "optout": "https://x/n/optout/tok" });
        let r = render("resident.answered", "zh", &d);
        assert!(r.body.contains("https://x/t/ABCD") && r.body.contains("/n/optout/tok"));
        assert_eq!(r.link.as_deref(), Some("https://x/t/ABCD"));
    }
}

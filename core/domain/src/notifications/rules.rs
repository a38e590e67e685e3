//! Who is told what: pure functions from what happened to (kind, audience) pairs. The writer
//! (`outbox`) turns an audience into users and rows in the event's own transaction.

/// Who a notification goes to, before it is resolved into users.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
pub enum Audience {
    /// The deputy whose QR code (or reception) the case came from, or the case's deputy; for a
    /// suggestion, the deputy who filed it.
    Deputy,
    /// The staff of the case's station.
    StationStaff,
    /// The handlers of the case's (or suggestion's) lead organisation.
    LeadHandlers,
    /// The handlers of a suggestion's co-organisations (协办); a case has none.
    CoHandlers,
    /// The resident, by SMS, only with a phone and consent.
    Resident,
    /// District ops.
    Ops,
}

/// One rule's answer: a template kind for an audience.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct Notice {
    /// The template key.
    pub kind: &'static str,
    /// Who is told.
    pub to: Audience,
}

/// What a rule reads of a case event.
#[derive(Debug, Clone, Copy)]
pub struct Facts<'a> {
    /// The event's action (`submit`, `assign`, …).
    pub action: &'a str,
    /// The status after it.
    pub to_status: &'a str,
    /// Whether the case has a deputy (deputy QR, or a reception by a deputy).
    pub has_deputy: bool,
    /// Whether the case has a lead organisation.
    pub has_lead: bool,
    /// Whether the resident left a phone and ticked consent (and has not opted out).
    pub resident_consents: bool,
}

/// Every kind a notification can have, the order the preferences page shows them in.
pub const KINDS: [&str; 24] = [
    "case.scanned",
    "case.new",
    "case.returned",
    "case.overdue",
    "case.assigned",
    "case.supervised",
    "case.reopened",
    "case.replied",
    "digest.due",
    "resident.answered",
    "resident.closed",
    "ops.alert",
    "brand.notice",
    "suggestion.filed",
    "suggestion.returned",
    "suggestion.letter",
    "suggestion.assigned",
    "suggestion.supervised",
    "suggestion.replied",
    "suggestion.rehandle",
    "suggestion.due",
    "suggestion.overdue",
    "suggestion.opinion_due",
    "suggestion.opinion_overdue",
];

/// The kinds told to a station's staff, which a robot in the station's group chat (where one
/// is set up) posts once for the station.
pub const STATION_KINDS: [&str; 4] = ["case.new", "case.returned", "case.overdue", "brand.notice"];

fn n(kind: &'static str, to: Audience) -> Notice {
    Notice { kind, to }
}

/// Who is told of a case event.
pub fn on_case_event(f: &Facts<'_>) -> Vec<Notice> {
    use Audience::*;
    let mut out = Vec::new();
    match f.action {
        "submit" => {
            // The deputy first: in practice they "receive" the scan and act that day.
            if f.has_deputy {
                out.push(n("case.scanned", Deputy));
            }
            out.push(n("case.new", StationStaff));
        }
        "return" => out.push(n("case.returned", StationStaff)),
        "assign" => out.push(n("case.assigned", LeadHandlers)),
        "remind" | "supervise" | "notice" if f.has_lead => {
            out.push(n("case.supervised", LeadHandlers))
        }
        "reply" | "resolve" => {
            if f.has_deputy {
                out.push(n("case.replied", Deputy));
            }
            if f.resident_consents {
                out.push(n("resident.answered", Resident));
            }
        }
        _ => {}
    }
    if f.to_status == "reopened" && f.has_lead {
        out.push(n("case.reopened", LeadHandlers));
    }
    if f.to_status == "closed" && f.action != "reject" && f.resident_consents {
        out.push(n("resident.closed", Resident));
    }
    out
}

/// Who is told that a case is overdue (the sweeper finds it).
pub fn on_overdue() -> Notice {
    n("case.overdue", Audience::StationStaff)
}

/// Who is told that a plugin was suspended at a station, or that a delivery was parked.
pub fn on_ops_alert() -> Notice {
    n("ops.alert", Audience::Ops)
}

/// Who is told what a station's brand (a plugin with the `staff.notify` grant) has to say.
pub fn on_brand_notice() -> Notice {
    n("brand.notice", Audience::StationStaff)
}

/// Who is told of a suggestion's step: `action` as the history names it (`file`, `assign`, …),
/// `to_status` the status after. The congress office hears of what it must register, the
/// filing deputy of the office's decision and of the reply it must evaluate, the organisations
/// of what they must handle.
pub fn on_suggestion_step(action: &str, to_status: &str) -> Vec<Notice> {
    use Audience::*;
    match (action, to_status) {
        ("file" | "revise", _) => vec![n("suggestion.filed", Ops)],
        ("return", _) => vec![n("suggestion.returned", Deputy)],
        ("to_letter", _) => vec![n("suggestion.letter", Deputy)],
        ("assign", _) => vec![
            n("suggestion.assigned", LeadHandlers),
            n("suggestion.assigned", CoHandlers),
        ],
        ("supervise", _) => vec![n("suggestion.supervised", LeadHandlers)],
        ("reply", _) => vec![n("suggestion.replied", Deputy)],
        // 不满意 sends it back: the organisations answer again, co-organisations' opinions too.
        ("evaluate", "rehandling") => vec![
            n("suggestion.rehandle", LeadHandlers),
            n("suggestion.rehandle", CoHandlers),
        ],
        _ => Vec::new(),
    }
}

/// Where a deadline stands today, for a reminder.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Standing {
    /// Within the due-soon window (or on the day).
    DueSoon,
    /// Past it.
    Overdue,
}

/// Who is reminded of a suggestion's own deadline (the reply, the reply again, or a B item's
/// planned date): the lead organisation while it is due soon; the lead and the congress office,
/// which supervises handling, once it is overdue.
pub fn on_suggestion_deadline(standing: Standing) -> Vec<Notice> {
    use Audience::*;
    match standing {
        Standing::DueSoon => vec![n("suggestion.due", LeadHandlers)],
        Standing::Overdue => vec![
            n("suggestion.overdue", LeadHandlers),
            n("suggestion.overdue", Ops),
        ],
    }
}

/// Who is reminded of a co-organisation's opinion still owed to the lead: that organisation's
/// handlers, due soon and again once overdue.
pub fn on_opinion_deadline(standing: Standing) -> Notice {
    match standing {
        Standing::DueSoon => n("suggestion.opinion_due", Audience::CoHandlers),
        Standing::Overdue => n("suggestion.opinion_overdue", Audience::CoHandlers),
    }
}

#[cfg(test)]
mod tests {
    use super::Audience::*;
    use super::*;

    fn facts(action: &'static str, to_status: &'static str) -> Facts<'static> {
        Facts {
            action,
            to_status,
            has_deputy: false,
            has_lead: true,
            resident_consents: false,
        }
    }

    fn kinds(f: Facts<'_>) -> Vec<(&'static str, Audience)> {
        on_case_event(&f)
            .into_iter()
            .map(|n| (n.kind, n.to))
            .collect()
    }

    #[test]
    fn a_scan_of_a_deputys_code_tells_the_deputy_first_and_the_station() {
        let f = Facts {
            has_deputy: true,
            ..facts("submit", "submitted")
        };
        assert_eq!(
            kinds(f),
            [("case.scanned", Deputy), ("case.new", StationStaff)]
        );
        assert_eq!(
            kinds(facts("submit", "submitted")),
            [("case.new", StationStaff)]
        );
    }

    #[test]
    fn a_returned_case_tells_the_station() {
        assert_eq!(
            kinds(facts("return", "registered")),
            [("case.returned", StationStaff)]
        );
        assert_eq!(on_overdue().to, StationStaff);
    }

    #[test]
    fn handlers_hear_of_assignment_supervision_and_reopening() {
        assert_eq!(
            kinds(facts("assign", "assigned")),
            [("case.assigned", LeadHandlers)]
        );
        for a in ["remind", "supervise", "notice"] {
            assert_eq!(
                kinds(facts(a, "in_progress")),
                [("case.supervised", LeadHandlers)]
            );
        }
        let no_lead = Facts {
            has_lead: false,
            ..facts("remind", "registered")
        };
        assert!(kinds(no_lead).is_empty(), "nobody to chase");
        assert_eq!(
            kinds(facts("rate", "reopened")),
            [("case.reopened", LeadHandlers)]
        );
        assert_eq!(
            kinds(facts("reopen", "reopened")),
            [("case.reopened", LeadHandlers)]
        );
    }

    #[test]
    fn a_reply_tells_the_deputy_and_the_resident_only_with_consent() {
        let f = Facts {
            has_deputy: true,
            ..facts("reply", "replied")
        };
        assert_eq!(kinds(f), [("case.replied", Deputy)]);
        let f = Facts {
            has_deputy: true,
            resident_consents: true,
            ..facts("reply", "replied")
        };
        assert_eq!(
            kinds(f),
            [("case.replied", Deputy), ("resident.answered", Resident)]
        );
    }

    #[test]
    fn closing_tells_a_consenting_resident_but_a_rejection_does_not_text() {
        let yes = Facts {
            resident_consents: true,
            ..facts("close", "closed")
        };
        assert_eq!(kinds(yes), [("resident.closed", Resident)]);
        assert!(kinds(facts("close", "closed")).is_empty());
        let rated = Facts {
            resident_consents: true,
            ..facts("rate", "closed")
        };
        assert_eq!(kinds(rated), [("resident.closed", Resident)]);
        let rejected = Facts {
            resident_consents: true,
            ..facts("reject", "rejected")
        };
        assert!(kinds(rejected).is_empty());
    }

    #[test]
    fn notes_and_reveals_tell_nobody() {
        assert!(kinds(facts("reveal_contact", "in_progress")).is_empty());
        assert!(kinds(facts("register", "registered")).is_empty());
        assert_eq!(on_ops_alert().to, Ops);
        assert_eq!(on_brand_notice().to, StationStaff);
    }

    #[test]
    fn a_suggestions_steps_tell_the_office_the_deputy_and_the_organisations() {
        let k = |a, t| {
            on_suggestion_step(a, t)
                .into_iter()
                .map(|n| (n.kind, n.to))
                .collect::<Vec<_>>()
        };
        assert_eq!(k("file", "filed"), [("suggestion.filed", Ops)]);
        assert_eq!(k("revise", "filed"), [("suggestion.filed", Ops)]);
        assert_eq!(k("return", "returned"), [("suggestion.returned", Deputy)]);
        assert_eq!(k("to_letter", "letter"), [("suggestion.letter", Deputy)]);
        assert_eq!(
            k("assign", "assigned"),
            [
                ("suggestion.assigned", LeadHandlers),
                ("suggestion.assigned", CoHandlers)
            ]
        );
        assert_eq!(k("reply", "replied"), [("suggestion.replied", Deputy)]);
        assert_eq!(
            k("evaluate", "rehandling"),
            [
                ("suggestion.rehandle", LeadHandlers),
                ("suggestion.rehandle", CoHandlers)
            ]
        );
        // A satisfied evaluation, a consultation, a co-opinion: nobody needs to act on them.
        for (a, t) in [
            ("evaluate", "closed"),
            ("consult", "assigned"),
            ("co_opinion", "assigned"),
            ("register", "registered"),
        ] {
            assert!(k(a, t).is_empty(), "{a}");
        }
    }

    #[test]
    fn deadlines_remind_the_lead_then_the_office_and_co_organisations_of_their_opinion() {
        let k = |s| {
            on_suggestion_deadline(s)
                .into_iter()
                .map(|n| (n.kind, n.to))
                .collect::<Vec<_>>()
        };
        assert_eq!(k(Standing::DueSoon), [("suggestion.due", LeadHandlers)]);
        assert_eq!(
            k(Standing::Overdue),
            [
                ("suggestion.overdue", LeadHandlers),
                ("suggestion.overdue", Ops)
            ]
        );
        assert_eq!(
            on_opinion_deadline(Standing::DueSoon),
            n("suggestion.opinion_due", CoHandlers)
        );
        assert_eq!(
            on_opinion_deadline(Standing::Overdue),
            n("suggestion.opinion_overdue", CoHandlers)
        );
    }

    #[test]
    fn every_kind_a_rule_gives_is_listed() {
        let mut given: Vec<&str> = [
            "file",
            "return",
            "to_letter",
            "assign",
            "supervise",
            "reply",
        ]
        .into_iter()
        .flat_map(|a| on_suggestion_step(a, ""))
        .chain(on_suggestion_step("evaluate", "rehandling"))
        .chain(on_suggestion_deadline(Standing::DueSoon))
        .chain(on_suggestion_deadline(Standing::Overdue))
        .map(|n| n.kind)
        .collect();
        given.push(on_opinion_deadline(Standing::DueSoon).kind);
        given.push(on_opinion_deadline(Standing::Overdue).kind);
        for kind in given {
            assert!(KINDS.contains(&kind), "{kind} missing from KINDS");
        }
    }

    #[test]
    fn the_station_kinds_are_what_the_station_staff_are_told() {
        let mut told: Vec<&str> = ["submit", "return", "assign", "reply", "remind"]
            .into_iter()
            .flat_map(|a| {
                on_case_event(&Facts {
                    has_deputy: true,
                    resident_consents: true,
                    ..facts(a, "")
                })
            })
            .chain([on_overdue(), on_brand_notice()])
            .filter(|n| n.to == StationStaff)
            .map(|n| n.kind)
            .collect();
        told.sort();
        let mut kinds = STATION_KINDS.to_vec();
        kinds.sort();
        assert_eq!(told, kinds);
    }
}

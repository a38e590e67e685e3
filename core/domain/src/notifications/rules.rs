//! Who is told what: pure functions from what happened to (kind, audience) pairs. The writer
//! (`outbox`) turns an audience into users and rows in the event's own transaction.

/// Who a notification goes to, before it is resolved into users.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
pub enum Audience {
    /// The deputy whose QR code (or reception) the case came from, or the case's deputy.
    Deputy,
    /// The staff of the case's station.
    StationStaff,
    /// The handlers of the case's lead organisation.
    LeadHandlers,
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
pub const KINDS: [&str; 13] = [
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
];

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
}

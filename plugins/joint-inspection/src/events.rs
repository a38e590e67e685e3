//! Case events of the station.
//!
//! - `submit`: a resident's opinion that names one of the town's villages is counted as a lead
//!   for the next round (群防共治: what residents raise points the groups where to look).
//! - `reply`, `resolve`, `close` of a case the brand filed: the handling organisation has
//!   answered, so the finding awaits re-inspection.
//!
//! Both are idempotent: events come at least once.

use liaison_sdk::prelude::*;

use crate::model::*;

pub fn handle(event: &CaseEvent) -> Result<(), Error> {
    match event.action.as_str() {
        "submit" => lead(event),
        "reply" | "resolve" | "close" => answered(event),
        _ => Ok(()),
    }
}

fn answered(event: &CaseEvent) -> Result<(), Error> {
    let Some(n) = storage::get::<u32>(&case_key(event.case_id))? else {
        return Ok(());
    };
    let Some(mut finding) = load_finding(n)? else {
        return Ok(());
    };
    if !matches!(finding.status, Status::Open | Status::Escalated) {
        return Ok(());
    }
    finding.status = Status::Replied;
    save_finding(&finding)?;
    if let Some(mut round) = load_round(finding.round)? {
        round.sync(&finding);
        save_round(&round)?;
    }
    log::info(&format!(
        "case {} was answered ({}): finding {} awaits re-inspection",
        event.case_id,
        event.action,
        finding_label(n)
    ));
    Ok(())
}

fn lead(event: &CaseEvent) -> Result<(), Error> {
    if storage::get::<u32>(&case_key(event.case_id))?.is_some() {
        return Ok(()); // one of ours
    }
    let mut leads: Leads = storage::get_or_default(LEADS)?;
    if leads.seen.contains(&event.case_id) {
        return Ok(());
    }
    let case = match cases::get(event.case_id) {
        Ok(case) => case,
        Err(Error::Denied(cap)) => {
            log::debug(&format!("leads need {cap}, which is not granted here"));
            return Ok(());
        }
        Err(Error::NotFound(_)) => return Ok(()),
        Err(e) => return Err(e),
    };
    if case.channel == "plugin" {
        return Ok(());
    }
    let settings = Settings::load();
    let text = format!("{}\n{}", case.title, case.description);
    let named = villages_named(&text, &settings.villages);
    if named.is_empty() {
        return Ok(());
    }
    let day: String = if is_date(case.created_at.get(..10).unwrap_or("")) {
        case.created_at[..10].to_owned()
    } else {
        event.at.chars().take(10).collect()
    };
    for village in &named {
        let lead = leads.villages.entry(village.clone()).or_default();
        lead.count += 1;
        lead.last_on = day.clone();
        lead.cases.insert(0, case.id);
        lead.cases.truncate(LEAD_CASES);
    }
    leads.seen.push(case.id);
    if leads.seen.len() > LEAD_WINDOW {
        let extra = leads.seen.len() - LEAD_WINDOW;
        leads.seen.drain(..extra);
    }
    storage::set(LEADS, &leads)?;
    log::info(&format!(
        "case {} names {}: counted as a lead",
        case.id,
        named.join(", ")
    ));
    Ok(())
}

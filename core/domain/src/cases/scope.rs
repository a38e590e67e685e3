//! The one place where the caller's scope narrows a query over cases. Every read and every
//! action loads cases through `visible`, so a handler cannot skip it by accident.

use sea_orm::sea_query::{Expr, ExprTrait, Query};
use sea_orm::{ColumnTrait, EntityTrait, QueryFilter, Select};

use super::entity::{cases, handlers};
use crate::auth::{Actor, Scope};

/// Cases of the whole district, narrowed to what `actor` may see.
pub fn visible(actor: &Actor) -> Select<cases::Entity> {
    narrow(cases::Entity::find(), crate::policy::scope(actor))
}

/// Narrows any query over cases to a scope: a station's cases, the cases an organisation leads or co-handles, all, or none.
pub fn narrow(select: Select<cases::Entity>, scope: Scope) -> Select<cases::Entity> {
    match scope {
        Scope::All => select,
        Scope::Station(id) => select.filter(cases::Column::StationId.eq(id)),
        // Lead and co-handlers both see the case; only the lead acts on it (see `actions`).
        Scope::Organisation(org) => select.filter(
            Expr::col((cases::Entity, cases::Column::Id)).in_subquery(
                Query::select()
                    .column(handlers::Column::CaseId)
                    .from(handlers::Entity)
                    .and_where(Expr::col(handlers::Column::OrganisationId).eq(org))
                    .to_owned(),
            ),
        ),
        Scope::Nothing => select.filter(Expr::val(1).eq(0)),
    }
}

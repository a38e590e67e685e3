//! The answers every operation can give beyond its own, added to the OpenAPI document in one
//! place so that the document stays true as routes are added: whatever a handler says, the
//! layers around it refuse a path or query holding control characters (422), a body or query
//! that cannot be read (400), a body over the limit (413), an unknown or expired bearer token
//! (401), a caller without the role (403), and a path or query code naming nothing (404). It
//! also writes down the rules every face applies to text and years, so that clients (and the
//! tools that check the document) know them: no control characters or bidi overrides in any
//! string, years from 2000 to 2100, and the CSV and Excel downloads of the lists that have them.

use utoipa::Modify;
use utoipa::openapi::path::{Operation, ParameterIn};
use utoipa::openapi::schema::{AdditionalProperties, ArrayItems, Schema, SchemaType, Type};
use utoipa::openapi::{ContentBuilder, OpenApi, Ref, RefOr, ResponseBuilder};

/// What text may hold (`liaison_contract::hygiene`), as a pattern: no C0 or C1 control
/// character but tab, line feed and carriage return, no DEL, no bidi embedding, override or
/// isolate.
pub const TEXT_PATTERN: &str = "^[^\\u0000-\\u0008\\u000B\\u000C\\u000E-\\u001F\\u007F-\\u009F\\u202A-\\u202E\\u2066-\\u2069]*$";

/// The media types of the downloads a list answers with `?format=csv` or `?format=xlsx`.
const DOWNLOADS: [&str; 2] = [
    "text/csv",
    "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet",
];

/// Puts the text rule on every plain string under `schema`.
fn text_rule(schema: &mut RefOr<Schema>) {
    let RefOr::T(schema) = schema else { return };
    match schema {
        Schema::Object(o) => {
            let string = match &o.schema_type {
                SchemaType::Type(t) => *t == Type::String,
                SchemaType::Array(ts) => ts.contains(&Type::String),
                SchemaType::AnyValue => false,
            };
            if string && o.format.is_none() && o.enum_values.is_none() && o.pattern.is_none() {
                o.pattern = Some(TEXT_PATTERN.to_owned());
            }
            o.properties.values_mut().for_each(text_rule);
            if let Some(extra) = o.additional_properties.as_deref_mut()
                && let AdditionalProperties::RefOr(s) = extra
            {
                text_rule(s);
            }
        }
        Schema::Array(a) => {
            if let ArrayItems::RefOrSchema(items) = &mut a.items {
                text_rule(items);
            }
        }
        Schema::OneOf(x) => x.items.iter_mut().for_each(text_rule),
        Schema::AllOf(x) => x.items.iter_mut().for_each(text_rule),
        Schema::AnyOf(x) => x.items.iter_mut().for_each(text_rule),
        _ => {}
    }
}

/// Years are taken from 2000 to 2100 everywhere (visits, appraisal, points, projects).
fn year_rule(schema: &mut RefOr<Schema>) {
    if let RefOr::T(Schema::Object(o)) = schema {
        o.minimum = Some(2000.into());
        o.maximum = Some(2100.into());
    }
}

pub struct CommonAnswers;

fn error_answer(description: &str) -> RefOr<utoipa::openapi::Response> {
    RefOr::T(
        ResponseBuilder::new()
            .description(description)
            .content(
                "application/json",
                ContentBuilder::new()
                    .schema(Some(Ref::from_schema_name("ErrorBody")))
                    .build(),
            )
            .build(),
    )
}

fn add(op: &mut Operation, status: &str, description: &str) {
    op.responses
        .responses
        .entry(status.to_owned())
        .or_insert_with(|| error_answer(description));
}

fn complete(path: &str, op: &mut Operation) {
    for p in op.parameters.iter_mut().flatten() {
        if let RefOr::T(p) = p
            && let Some(schema) = p.schema.as_mut()
        {
            if p.name == "year" {
                year_rule(schema);
            }
            text_rule(schema);
        }
    }
    let params = op.parameters.as_deref().unwrap_or_default();
    let downloads = params
        .iter()
        .any(|p| matches!(p, RefOr::T(p) if p.name == "format"));
    let has_query = params.iter().any(|p| match p {
        RefOr::T(p) => p.parameter_in == ParameterIn::Query,
        RefOr::Ref(_) => false,
    });
    let has_path = path.contains('{');
    let has_body = op.request_body.is_some();
    let secured = op.security.is_some() || path.contains("/plugins/");
    if downloads && let Some(RefOr::T(ok)) = op.responses.responses.get_mut("200") {
        for kind in DOWNLOADS {
            ok.content.entry(kind.to_owned()).or_insert_with(|| {
                RefOr::T(
                    ContentBuilder::new()
                        .schema(Some(
                            utoipa::openapi::ObjectBuilder::new()
                                .schema_type(Type::String)
                                .content_media_type(kind),
                        ))
                        .build(),
                )
            });
        }
    }
    if secured {
        add(
            op,
            "403",
            "forbidden: the caller's role or station may not do this (the message says who may)",
        );
    }
    add(
        op,
        "422",
        "invalid: a field breaks a rule (the error names it), or the path or a query value \
         holds a control character or a bidi override",
    );
    if has_body || has_query || has_path {
        add(
            op,
            "400",
            "bad_request: the body, a path segment or a query value could not be read",
        );
    }
    if has_body {
        add(op, "413", "too_large: the body is over the server's limit");
    }
    add(
        op,
        "401",
        "unauthorized: no valid bearer token where the operation needs one, or one was sent \
         that is unknown or expired",
    );
    if has_path || has_query {
        add(
            op,
            "404",
            "not_found: the path, or a code in the query, names nothing",
        );
    }
}

impl Modify for CommonAnswers {
    fn modify(&self, openapi: &mut OpenApi) {
        if let Some(components) = openapi.components.as_mut() {
            components.schemas.values_mut().for_each(text_rule);
        }
        for (path, item) in openapi.paths.paths.iter_mut() {
            for op in [
                &mut item.get,
                &mut item.put,
                &mut item.post,
                &mut item.delete,
                &mut item.patch,
            ]
            .into_iter()
            .flatten()
            {
                complete(path, op);
            }
        }
    }
}

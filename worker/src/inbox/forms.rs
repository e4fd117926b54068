//! Reading the inbox's form posts, and the CSRF + Origin check every one passes.

use super::auth::Session;
use crate::auth::session::origin_allowed;
use crate::app::App;
use crate::error::{ApiError, ApiResult};
use crate::http::{header, read_body};

/// A posted form's fields, in order.
pub struct Form(Vec<(String, String)>);

impl Form {
    pub fn get(&self, name: &str) -> Option<&str> {
        self.0.iter().find(|(n, _)| n == name).map(|(_, v)| v.as_str())
    }

    pub fn all(&self, name: &str) -> Vec<String> {
        self.0.iter().filter(|(n, _)| n == name).map(|(_, v)| v.clone()).collect()
    }

    pub fn text(&self, name: &str) -> String {
        self.get(name).unwrap_or_default().to_string()
    }
}

pub async fn read_form(app: &mut App) -> ApiResult<Form> {
    let content_type = header(&app.req, "Content-Type").unwrap_or_default().to_ascii_lowercase();
    if !content_type.starts_with("application/x-www-form-urlencoded") {
        return Err(ApiError::UnsupportedMediaType("send the form as application/x-www-form-urlencoded".into()));
    }
    let body = read_body(&mut app.req).await?;
    Ok(Form(url::form_urlencoded::parse(&body).map(|(k, v)| (k.into_owned(), v.into_owned())).collect()))
}

/// Refuses a cross-site post: a foreign or missing `Origin` (before anything
/// is read), and for signed-in posts a missing or wrong `_csrf` token.
pub fn check_origin(app: &App) -> ApiResult<()> {
    if origin_allowed(&app.origin()?, app.header("Origin").as_deref()) {
        Ok(())
    } else {
        Err(ApiError::Forbidden("this form was not sent from this inbox (Origin)".into()))
    }
}

pub fn check_csrf(session: &Session, form: &Form) -> ApiResult<()> {
    if session.csrf_matches(form.get("_csrf").unwrap_or_default()) {
        Ok(())
    } else {
        Err(ApiError::Forbidden("this form's CSRF token is missing or stale; reload the page and try again".into()))
    }
}

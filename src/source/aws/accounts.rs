//! Account names from Organizations (`ListAccounts`, free). Cost Explorer already names the
//! accounts it groups by; Organizations adds the ones without spend and is asked only when
//! permitted: a standalone account (no organization) or a member account (AccessDenied) is a
//! note about why there is one row, not a failure.

use std::collections::BTreeMap;

use aws_smithy_types::error::metadata::ProvideErrorMetadata;
use serde::{Deserialize, Serialize};

use super::FetchError;
use super::client::Clients;
use super::error::{AwsError, AwsErrorKind};

#[derive(Debug, Clone, Default, PartialEq, Eq, Serialize, Deserialize)]
pub struct OrgNames {
    pub names: BTreeMap<String, String>,
    pub note: Option<String>,
}

pub const STANDALONE_NOTE: &str =
    "a standalone account (not in an AWS Organization): its own spend is the only row";
pub const MEMBER_NOTE: &str =
    "a member account sees only its own spend; the payer account sees every account";

pub async fn names(clients: &Clients) -> Result<OrgNames, FetchError> {
    let mut pages = clients
        .organizations
        .list_accounts()
        .into_paginator()
        .send();
    let mut names = BTreeMap::new();
    while let Some(page) = pages.next().await {
        let page = match page {
            Ok(page) => page,
            Err(e) => {
                let not_in_use = e
                    .as_service_error()
                    .and_then(|s| s.code())
                    .is_some_and(|c| c == "AWSOrganizationsNotInUseException");
                let err = AwsError::classify("organizations:ListAccounts", &e);
                let note = match (not_in_use, err.kind) {
                    (true, _) => STANDALONE_NOTE.to_string(),
                    (false, AwsErrorKind::AccessDenied) => MEMBER_NOTE.to_string(),
                    _ => return Err(err.into()),
                };
                return Ok(OrgNames {
                    names: BTreeMap::new(),
                    note: Some(note),
                });
            }
        };
        for account in page.accounts() {
            if let (Some(id), Some(name)) = (account.id(), account.name()) {
                names.insert(id.to_string(), name.to_string());
            }
        }
    }
    Ok(OrgNames { names, note: None })
}

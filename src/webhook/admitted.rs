//! The object of an admission request, decoded straight into the engine's tree.
//!
//! kube's `DynamicObject` would decode the object into a `serde_json::Value` (after buffering it
//! for its flattened fields), which the engine would then copy into its own tree: two passes and
//! two trees per object. [`AdmittedObject`] reads the JSON into the tree once, and decodes only
//! the metadata from it as kube's `ObjectMeta`, so it can stand as the `T` of kube's
//! `AdmissionReview<T>` and `AdmissionRequest<T>` (whose `T` must be a [`Resource`]).

use std::borrow::Cow;

use kube::core::{ApiResource, DynamicResourceScope, ObjectMeta, Resource};
use serde::{Deserialize, Deserializer};

use crate::yaml::{Node, NodeDeserializer};

/// An object as the apiserver sent it, as a tree for the linter, with its metadata decoded.
#[derive(Debug, Clone)]
pub struct AdmittedObject {
    /// The whole object, metadata included (spans are empty: there is no source text).
    pub tree: Node,
    metadata: ObjectMeta,
}

impl AdmittedObject {
    pub fn metadata(&self) -> &ObjectMeta {
        &self.metadata
    }
}

impl<'de> Deserialize<'de> for AdmittedObject {
    fn deserialize<D: Deserializer<'de>>(deserializer: D) -> Result<Self, D::Error> {
        let tree = Node::deserialize(deserializer)?;
        if tree.as_map().is_none() {
            let found = tree.type_name();
            return Err(serde::de::Error::custom(format_args!(
                "expected an object (a JSON map), found {found}"
            )));
        }
        let metadata = match tree.get("metadata") {
            Some(m) if !m.is_null() => ObjectMeta::deserialize(NodeDeserializer::new(m))
                .map_err(|e: D::Error| serde::de::Error::custom(format_args!("metadata: {e}")))?,
            _ => ObjectMeta::default(),
        };
        Ok(AdmittedObject { tree, metadata })
    }
}

/// As kube's `DynamicObject`: what the object is comes with the request, not with the type.
impl Resource for AdmittedObject {
    type DynamicType = ApiResource;
    type Scope = DynamicResourceScope;

    fn kind(dt: &ApiResource) -> Cow<'_, str> {
        dt.kind.as_str().into()
    }
    fn group(dt: &ApiResource) -> Cow<'_, str> {
        dt.group.as_str().into()
    }
    fn version(dt: &ApiResource) -> Cow<'_, str> {
        dt.version.as_str().into()
    }
    fn api_version(dt: &ApiResource) -> Cow<'_, str> {
        dt.api_version.as_str().into()
    }
    fn plural(dt: &ApiResource) -> Cow<'_, str> {
        dt.plural.as_str().into()
    }
    fn meta(&self) -> &ObjectMeta {
        &self.metadata
    }
    fn meta_mut(&mut self) -> &mut ObjectMeta {
        &mut self.metadata
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use kube::core::DynamicObject;
    use kube::core::admission::AdmissionReview;

    /// Every admission fixture decodes to the tree of its JSON text as it is, and to the metadata
    /// kube's `DynamicObject` gives.
    #[test]
    fn decodes_the_object_as_sent_and_the_metadata_as_kube_does() {
        let dir = std::path::Path::new(env!("CARGO_MANIFEST_DIR")).join("tests/data/admission");
        let mut seen = 0;
        for entry in std::fs::read_dir(dir).expect("fixtures") {
            let body = std::fs::read(entry.expect("entry").path()).expect("fixture");
            let ours: AdmissionReview<AdmittedObject> =
                serde_json::from_slice(&body).expect("decodes");
            let kube: AdmissionReview<DynamicObject> =
                serde_json::from_slice(&body).expect("decodes");
            let text: serde_json::Value = serde_json::from_slice(&body).expect("JSON");
            let (ours, kube) = (
                ours.request.expect("request"),
                kube.request.expect("request"),
            );
            for (o, k, field) in [
                (&ours.object, &kube.object, "object"),
                (&ours.old_object, &kube.old_object, "oldObject"),
            ] {
                assert_eq!(o.is_some(), k.is_some());
                if let (Some(o), Some(k)) = (o, k) {
                    assert_eq!(o.metadata(), &k.metadata);
                    assert_eq!(o.tree.to_json(), text["request"][field]);
                    seen += 1;
                }
            }
        }
        assert!(seen >= 10, "{seen}");
    }

    /// Metadata as the apiserver sends it for a stored object (every UPDATE's `oldObject`, and
    /// its `object`): timestamps, managed fields, owner references.
    #[test]
    fn stored_metadata_decodes_as_kube_decodes_it() {
        let object = r#"{
            "apiVersion": "batch/v1", "kind": "Job",
            "metadata": {
                "name": "j", "namespace": "n", "uid": "5b5c1c6e-6a53-4d7b-9d49-6f0e0f7c1a11",
                "resourceVersion": "48213", "generation": 2,
                "creationTimestamp": "2026-11-28T09:14:03Z",
                "deletionTimestamp": "2026-11-28T10:00:00Z", "deletionGracePeriodSeconds": 0,
                "labels": {"app": "j"}, "annotations": {"a": "b"},
                "finalizers": ["batch.kubernetes.io/job-tracking"],
                "ownerReferences": [{"apiVersion": "batch/v1", "kind": "CronJob", "name": "c",
                    "uid": "0c7e1d5a-1111-4b9a-8f0e-2a3b4c5d6e7f", "controller": true,
                    "blockOwnerDeletion": true}],
                "managedFields": [{"manager": "kubectl-client-side-apply", "operation": "Update",
                    "apiVersion": "batch/v1", "time": "2026-11-28T09:14:03Z",
                    "fieldsType": "FieldsV1",
                    "fieldsV1": {"f:spec": {"f:backoffLimit": {}}}}]
            },
            "spec": {}
        }"#;
        let ours: AdmittedObject = serde_json::from_str(object).expect("decodes");
        let kube: DynamicObject = serde_json::from_str(object).expect("decodes");
        assert_eq!(ours.metadata(), &kube.metadata);
        assert!(ours.metadata().creation_timestamp.is_some());
    }

    #[test]
    fn metadata_of_the_wrong_shape_is_an_error() {
        let err = serde_json::from_str::<AdmittedObject>(r#"{"metadata": {"labels": "x"}}"#)
            .expect_err("labels must be a map");
        assert!(
            err.to_string().starts_with("metadata: invalid type"),
            "{err}"
        );
        let err = serde_json::from_str::<AdmittedObject>("[1]").expect_err("not a map");
        assert!(err.to_string().starts_with("expected an object"), "{err}");
    }
}

#!/usr/bin/env python3
"""Derives tests/schemas/requests.json from the official OpenAPI subset.

The conformance test must not read ../shared at run time, so the request-body schemas of the three
operations talon-import sends are extracted here, once, into a checked-in JSON file:

    python3 tests/schemas/derive_requests.py /work/shared/talon-one-openapi/integration-subset.yaml

OpenAPI 3.1 schemas are JSON Schema 2020-12, so they are copied as they are; only documentation keys
(description, title, example(s), x-*) are dropped to keep the file readable, and every object that the
spec leaves open stays open (talon-import must not rely on stricter rules than Talon.One's).
"""
import json
import pathlib
import sys

import yaml

OPERATIONS = {
    "customer_profile": ("/v2/customer_profiles/{integrationId}", "put"),
    "customer_profiles_bulk": ("/v2/customer_profiles", "put"),
    "customer_session": ("/v2/customer_sessions/{customerSessionId}", "put"),
}
DOC_KEYS = {"description", "title", "example", "examples"}


def strip(node, in_properties=False):
    if isinstance(node, dict):
        out = {}
        for k, v in node.items():
            # Inside "properties" the keys are field names (a field may be called "title").
            if not in_properties and (k in DOC_KEYS or k.startswith("x-")):
                continue
            out[k] = strip(v, in_properties=(k == "properties" and not in_properties))
        return out
    if isinstance(node, list):
        return [strip(v) for v in node]
    return node


def main():
    spec_path = pathlib.Path(sys.argv[1] if len(sys.argv) > 1 else
                             "/work/shared/talon-one-openapi/integration-subset.yaml")
    spec = yaml.safe_load(spec_path.read_text())
    if "$ref" in json.dumps(spec):
        sys.exit("the subset contains $ref; resolve references before deriving")
    source = spec["info"].get("x-source", {})
    out = {
        "$comment": "Derived by tests/schemas/derive_requests.py from the Talon.One Integration API spec "
                    f"({source.get('repository', '?')} @ {source.get('commit', '?')}). Do not edit; re-run the script.",
        "schemas": {},
    }
    for name, (path, method) in OPERATIONS.items():
        body = spec["paths"][path][method]["requestBody"]["content"]["application/json"]["schema"]
        schema = strip(body)
        schema["$schema"] = "https://json-schema.org/draft/2020-12/schema"
        out["schemas"][name] = schema
    target = pathlib.Path(__file__).with_name("requests.json")
    target.write_text(json.dumps(out, indent=2, ensure_ascii=False) + "\n")
    print(f"wrote {target} ({target.stat().st_size} bytes)")


if __name__ == "__main__":
    main()

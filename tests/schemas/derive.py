#!/usr/bin/env python3
"""Derive JSON Schemas of request and response bodies from the official OpenAPI subsets.

Usage: python3 tests/schemas/derive.py [/path/to/talon-one-openapi]
Writes tests/schemas/<operationId>.request.json and <operationId>.<status>.json, so tests never read
../shared at run time. OpenAPI 3.1 schemas are JSON Schema 2020-12; `example(s)` keys are dropped.
"""
import json, os, sys
import yaml

SRC = sys.argv[1] if len(sys.argv) > 1 else os.path.join(os.path.dirname(__file__), "../../../shared/talon-one-openapi")
OUT = os.path.dirname(os.path.abspath(__file__))
FILES = ["integration-subset.yaml", "management-attributes-subset.yaml"]


def clean(node):
    if isinstance(node, dict):
        return {k: clean(v) for k, v in node.items() if k not in ("example", "examples", "x-vertical")}
    if isinstance(node, list):
        return [clean(v) for v in node]
    return node


def write(name, schema, source):
    schema = dict(clean(schema))
    schema["$schema"] = "https://json-schema.org/draft/2020-12/schema"
    schema["$comment"] = f"derived from {source} by tests/schemas/derive.py"
    with open(os.path.join(OUT, name), "w") as f:
        json.dump(schema, f, indent=1, sort_keys=True)
        f.write("\n")


for file in FILES:
    spec = yaml.safe_load(open(os.path.join(SRC, file)))
    for path, ops in spec["paths"].items():
        for method, op in ops.items():
            oid = op["operationId"]
            body = op.get("requestBody", {}).get("content", {}).get("application/json", {}).get("schema")
            if body:
                write(f"{oid}.request.json", body, f"{file} {method.upper()} {path}")
            for status, resp in op.get("responses", {}).items():
                schema = resp.get("content", {}).get("application/json", {}).get("schema")
                if schema:
                    write(f"{oid}.{status}.json", schema, f"{file} {method.upper()} {path} {status}")

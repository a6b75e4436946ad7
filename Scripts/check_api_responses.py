#!/usr/bin/env python3
"""Checks real API responses against Schemas/openapi.yaml.

Input: JSON Lines, one response per line: {"method", "path" (the OpenAPI path template),
"status", "content_type", "body" (text)}. Each must be a status the operation documents, with
its content type, and a body that validates against the documented schema (JSON Schema 2020-12,
formats checked). Prints every mismatch and exits 1 if there is one.

Usage: check_api_responses.py --spec Schemas/openapi.yaml RESPONSES.jsonl
"""
import argparse, json, sys
import jsonschema, yaml


def main():
    parser = argparse.ArgumentParser()
    parser.add_argument("--spec", default="Schemas/openapi.yaml")
    parser.add_argument("responses")
    arguments = parser.parse_args()
    with open(arguments.spec) as file:
        spec = yaml.safe_load(file)
    components = spec.get("components", {})
    failures, checked = [], 0
    with open(arguments.responses) as file:
        for number, line in enumerate(file, 1):
            if not line.strip():
                continue
            response = json.loads(line)
            where = f"{response['method']} {response['path']} → {response['status']}"
            operation = spec["paths"].get(response["path"], {}).get(response["method"].lower())
            if operation is None:
                failures.append(f"line {number}: {where}: no such operation in the spec")
                continue
            documented = operation.get("responses", {}).get(str(response["status"]))
            if documented is None:
                failures.append(f"line {number}: {where}: status not documented (documented: {sorted(operation['responses'])})")
                continue
            if "$ref" in documented:
                documented = components["responses"][documented["$ref"].split("/")[-1]]
            content = documented.get("content", {})
            media = response["content_type"].split(";")[0].strip()
            if media not in content:
                failures.append(f"line {number}: {where}: content type {media} not documented ({sorted(content)})")
                continue
            schema = content[media].get("schema")
            if schema is None:
                continue
            try:
                body = json.loads(response["body"])
            except ValueError as error:
                failures.append(f"line {number}: {where}: body is not JSON ({error})")
                continue
            validator = jsonschema.Draft202012Validator({**schema, "components": components}, format_checker=jsonschema.FormatChecker())
            for error in validator.iter_errors(body):
                failures.append(f"line {number}: {where}: {'/'.join(map(str, error.absolute_path)) or '(root)'}: {error.message}")
            checked += 1
    for failure in failures:
        print(failure)
    print(f"{checked} responses checked against {arguments.spec}, {len(failures)} mismatches")
    return 1 if failures else 0


if __name__ == "__main__":
    sys.exit(main())

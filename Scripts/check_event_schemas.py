#!/usr/bin/env python3
"""Checks the event contract's JSON Schemas (Schemas/events) with a real validator: each schema is
valid draft 2020-12, every example under Schemas/examples/valid passes its schema, and every example
under Schemas/examples/invalid that a schema can express fails it. Cross-field rules (items_incorrect
above items_ordered, seated after the check closed), a U+0000 in any text (valid JSON, but no
database text holds it) and non-JSON bytes are the processor's to refuse; the Swift decoder's tests
cover every example, these included."""
import glob, json, os, sys
import jsonschema

root = os.path.join(os.path.dirname(__file__), "..", "Schemas")
schemas = {}
for path in sorted(glob.glob(os.path.join(root, "events", "*.schema.json"))):
    schema = json.load(open(path, encoding="utf-8"))
    jsonschema.Draft202012Validator.check_schema(schema)
    schemas[os.path.basename(path)[: -len(".schema.json")]] = schema

def schema_for(document):
    return schemas.get(document.get("schema")) if isinstance(document, dict) else None

failures, checked = [], 0
for path in sorted(glob.glob(os.path.join(root, "examples", "valid", "*.json"))):
    document = json.load(open(path, encoding="utf-8"))
    schema = schema_for(document)
    errors = list(jsonschema.Draft202012Validator(schema, format_checker=jsonschema.FormatChecker()).iter_errors(document)) if schema else ["no schema"]
    checked += 1
    if errors:
        failures.append(f"{path}: valid example rejected: {errors[0]}")

CROSS_FIELD = {"inconsistent", "invalid_character"}
for path in sorted(glob.glob(os.path.join(root, "examples", "invalid", "*.json"))):
    reason = os.path.basename(path).rsplit(".", 2)[-2]
    try:
        document = json.load(open(path, encoding="utf-8"))
    except (UnicodeDecodeError, json.JSONDecodeError):
        continue  # not JSON at all: the decoder's tests cover it
    if reason in CROSS_FIELD:
        continue
    schema = schema_for(document)
    checked += 1
    if schema is None:
        continue  # not an object, or an unknown schema: no schema applies, as intended
    if jsonschema.Draft202012Validator(schema, format_checker=jsonschema.FormatChecker()).is_valid(document):
        failures.append(f"{path}: invalid example ({reason}) passes its schema")

for failure in failures:
    print(failure, file=sys.stderr)
print(f"event schemas: {len(schemas)} schemas, {checked} examples checked, {len(failures)} failures")
sys.exit(1 if failures else 0)

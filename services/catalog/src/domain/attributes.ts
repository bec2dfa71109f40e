import { AttributeType } from '../../../../gen/shop/catalog/v1/product_type.js';
import { Violations } from '../../../platform/src/errors.js';

/** One attribute a product type defines. */
export interface AttributeDefinitionFields {
  code: string;
  name: string;
  type: AttributeType;
  unit: string;
  allowedValues: string[];
  required: boolean;
  filterable: boolean;
  searchable: boolean;
}

/** A product's value for one attribute; which member counts depends on the definition's type. */
export interface AttributeValueFields {
  code: string;
  text: string;
  number: number;
  boolean: boolean;
  values: string[];
}

const CODE = /^[a-z][a-z0-9_]{0,49}$/;
const TYPES = new Set([AttributeType.ATTRIBUTE_TYPE_TEXT, AttributeType.ATTRIBUTE_TYPE_NUMBER, AttributeType.ATTRIBUTE_TYPE_BOOLEAN, AttributeType.ATTRIBUTE_TYPE_ENUM, AttributeType.ATTRIBUTE_TYPE_MULTI_ENUM]);
const isEnum = (t: AttributeType) => t === AttributeType.ATTRIBUTE_TYPE_ENUM || t === AttributeType.ATTRIBUTE_TYPE_MULTI_ENUM;

/** Validates a product type's attribute definitions, naming every bad field. */
export function validateDefinitions(defs: AttributeDefinitionFields[], violations: Violations, field = 'attributes'): AttributeDefinitionFields[] {
  if (defs.length > 100) violations.add(field, 'must be at most 100 attributes');
  const codes = new Set<string>();
  return defs.map((input, i) => {
    const d = { ...input, code: input.code.trim(), name: input.name.trim(), unit: input.unit.trim(), allowedValues: input.allowedValues.map((v) => v.trim()) };
    const at = `${field}[${i}]`;
    if (!CODE.test(d.code)) violations.add(`${at}.code`, 'must be lower_snake_case, 1 to 50 characters, starting with a letter');
    else if (codes.has(d.code)) violations.add(`${at}.code`, 'is already used by another attribute of this type');
    codes.add(d.code);
    if (d.name.length < 1 || d.name.length > 100) violations.add(`${at}.name`, 'must be 1 to 100 characters');
    if (!TYPES.has(d.type)) violations.add(`${at}.type`, 'must be TEXT, NUMBER, BOOLEAN, ENUM or MULTI_ENUM');
    if (d.unit && d.type !== AttributeType.ATTRIBUTE_TYPE_NUMBER) violations.add(`${at}.unit`, 'is only for number attributes');
    if (d.unit.length > 20) violations.add(`${at}.unit`, 'must be at most 20 characters');
    if (isEnum(d.type)) {
      if (d.allowedValues.length === 0 || d.allowedValues.length > 500) violations.add(`${at}.allowed_values`, 'must list 1 to 500 values');
      if (d.allowedValues.some((v) => v.length < 1 || v.length > 100)) violations.add(`${at}.allowed_values`, 'each must be 1 to 100 characters');
      if (new Set(d.allowedValues).size !== d.allowedValues.length) violations.add(`${at}.allowed_values`, 'must not repeat a value');
    } else if (d.allowedValues.length > 0) violations.add(`${at}.allowed_values`, 'are only for enum and multi-enum attributes');
    if (d.required && d.type === AttributeType.ATTRIBUTE_TYPE_BOOLEAN) {
      // A proto3 bool cannot tell "false" from "not given", so "required" would mean nothing.
      violations.add(`${at}.required`, 'cannot be set on a boolean attribute');
    }
    return d;
  });
}

/**
 * Checks a product's attribute values against its type's definitions: every code is
 * defined, each value has the defined kind and is allowed, required ones are present.
 * Returns the values normalised (only the member of the defined kind kept).
 */
export function validateAttributeValues(defs: AttributeDefinitionFields[] | null, values: AttributeValueFields[], violations: Violations, field = 'attributes'): AttributeValueFields[] {
  if (defs === null) {
    if (values.length > 0) violations.add(field, 'need a product_type_id whose attributes they are');
    return [];
  }
  const byCode = new Map(defs.map((d) => [d.code, d]));
  const seen = new Set<string>();
  const out: AttributeValueFields[] = [];
  values.forEach((v, i) => {
    const at = `${field}[${i}]`;
    const def = byCode.get(v.code);
    if (!def) return void violations.add(`${at}.code`, `is not an attribute of this product type (${[...byCode.keys()].join(', ') || 'none'})`);
    if (seen.has(v.code)) return void violations.add(`${at}.code`, 'appears twice');
    seen.add(v.code);
    const base = { code: v.code, text: '', number: 0, boolean: false, values: [] as string[] };
    switch (def.type) {
      case AttributeType.ATTRIBUTE_TYPE_TEXT: {
        const text = v.text.trim();
        if (text.length < 1 || text.length > 1000) violations.add(`${at}.text`, 'must be 1 to 1000 characters');
        out.push({ ...base, text });
        break;
      }
      case AttributeType.ATTRIBUTE_TYPE_NUMBER:
        if (!Number.isFinite(v.number)) violations.add(`${at}.number`, 'must be a finite number');
        out.push({ ...base, number: v.number });
        break;
      case AttributeType.ATTRIBUTE_TYPE_BOOLEAN:
        out.push({ ...base, boolean: v.boolean });
        break;
      case AttributeType.ATTRIBUTE_TYPE_ENUM:
        if (v.values.length !== 1 || !def.allowedValues.includes(v.values[0]!)) violations.add(`${at}.values`, `must be exactly one of ${def.allowedValues.join(', ')}`);
        out.push({ ...base, values: [...v.values] });
        break;
      case AttributeType.ATTRIBUTE_TYPE_MULTI_ENUM: {
        const bad = v.values.filter((x) => !def.allowedValues.includes(x));
        if (bad.length > 0) violations.add(`${at}.values`, `${bad.join(', ')} not allowed; allowed: ${def.allowedValues.join(', ')}`);
        if (new Set(v.values).size !== v.values.length) violations.add(`${at}.values`, 'must not repeat a value');
        out.push({ ...base, values: [...v.values] });
        break;
      }
    }
  });
  for (const def of defs) if (def.required && !seen.has(def.code)) violations.add(field, `${def.code} is required by the product type`);
  return out;
}

/** Codes and enum values that a definition change takes away: products using them block the change. */
export function removedByChange(before: AttributeDefinitionFields[], after: AttributeDefinitionFields[]): { codes: string[]; values: Array<{ code: string; value: string }>; retyped: string[] } {
  const next = new Map(after.map((d) => [d.code, d]));
  const codes: string[] = [];
  const values: Array<{ code: string; value: string }> = [];
  const retyped: string[] = [];
  for (const d of before) {
    const n = next.get(d.code);
    if (!n) codes.push(d.code);
    else if (n.type !== d.type) retyped.push(d.code);
    else for (const value of d.allowedValues) if (!n.allowedValues.includes(value)) values.push({ code: d.code, value });
  }
  return { codes, values, retyped };
}

import { Ajv, type ErrorObject } from 'ajv';
import type { FastifySchemaCompiler } from 'fastify';
import { ApiError } from '@kumo/api';

// Bodies are validated as sent: no type coercion, unknown fields rejected (every input schema says
// additionalProperties: false). Query strings and path parameters are strings on the wire, so
// those are coerced to the schema's types.
const strict = new Ajv({ allErrors: false, coerceTypes: false, useDefaults: true, removeAdditional: false, strict: false });
const coercing = new Ajv({ allErrors: false, coerceTypes: 'array', useDefaults: true, removeAdditional: false, strict: false });
for (const f of ['date-time']) { strict.addFormat(f, true); coercing.addFormat(f, true); }

export const validatorCompiler: FastifySchemaCompiler<unknown> = ({ schema, httpPart }) => {
  const ajv = httpPart === 'body' ? strict : coercing;
  const validate = ajv.compile(schema as object);
  const part = httpPart === 'body' ? 'body' : httpPart === 'querystring' ? 'query' : httpPart === 'params' ? 'path' : String(httpPart);
  return (data: unknown) => {
    if (validate(data)) return { value: data };
    const err = validate.errors?.[0];
    return { error: toApiError(part, err) };
  };
};

function toApiError(part: string, e: ErrorObject | undefined): ApiError {
  if (!e) return new ApiError('bad_request', `invalid ${part}`);
  const path = e.instancePath.replace(/^\//, '').replace(/\//g, '.');
  const params = e.params as Record<string, unknown>;
  let field = path;
  let message: string;
  switch (e.keyword) {
    case 'additionalProperties':
      field = [path, String(params.additionalProperty)].filter(Boolean).join('.');
      message = `unknown field ${field}`;
      break;
    case 'required':
      field = [path, String(params.missingProperty)].filter(Boolean).join('.');
      message = `${field} is required`;
      break;
    case 'type':
      message = `${path || part} must be ${String(params.type)}`;
      break;
    case 'maxLength': case 'minLength': case 'maxItems': case 'minItems': case 'maximum': case 'minimum':
      message = `${path || part} ${e.message ?? 'is out of bounds'}`;
      break;
    case 'pattern':
      message = `${path || part} has an invalid format (${e.parentSchema && typeof e.parentSchema === 'object' && 'description' in e.parentSchema ? String(e.parentSchema.description) : `must match ${String(params.pattern)}`})`;
      break;
    case 'const': case 'enum': case 'anyOf':
      message = `${path || part} must be one of the allowed values`;
      break;
    case 'minProperties':
      message = `${part} must set at least one field`;
      break;
    default:
      message = `${path || part} ${e.message ?? 'is invalid'}`;
  }
  return new ApiError('bad_request', `${part === 'body' ? '' : `${part} `}${message}`.trim(), { field: field || part, in: part });
}

import { Type, type TSchema, type Static } from '@sinclair/typebox';

/** Shared building blocks of every resource's schema. */
export const Id = (prefix: string) => Type.String({ pattern: `^${prefix}-[0-9a-z]{20}$`, maxLength: 40, description: `${prefix}-… id` });
export const AnyId = Type.String({ minLength: 3, maxLength: 40, pattern: '^[a-z]+-[0-9a-z]+$' });
export const Name = Type.String({ minLength: 1, maxLength: 63, pattern: '^[A-Za-z0-9][A-Za-z0-9._-]*$', description: 'letters, digits, . _ -; starts with a letter or digit' });
export const Description = Type.String({ maxLength: 1024 });
export const Timestamp = Type.String({ format: 'date-time', description: 'ISO-8601 UTC' });
export const Nullable = <T extends TSchema>(t: T) => Type.Union([t, Type.Null()]);
export const Tags = Type.Array(Type.String({ minLength: 1, maxLength: 63, pattern: '^[A-Za-z0-9._:-]+$' }), { maxItems: 32 });

export const ErrorResponse = Type.Object({
  error: Type.Object({
    code: Type.String(),
    message: Type.String(),
    details: Type.Optional(Type.Unknown()),
  }),
});

export const IdParams = Type.Object({ id: AnyId }, { additionalProperties: false });

/** A list filter: resources whose name starts with this (case-sensitive). */
export const NamePrefix = Type.String({ minLength: 1, maxLength: 63, description: 'names that start with this (case-sensitive)' });

/** Query parameters every list route takes. */
export const ListQueryBase = {
  limit: Type.Optional(Type.Integer({ minimum: 1, maximum: 1000, default: 100 })),
  cursor: Type.Optional(Type.String({ maxLength: 512 })),
  sort: Type.Optional(Type.String({ maxLength: 40, description: 'field name, `-field` for descending' })),
};

export const ListOf = <T extends TSchema>(item: T) => Type.Object({
  items: Type.Array(item),
  nextCursor: Nullable(Type.String()),
});

export interface ListResponse<T> { items: T[]; nextCursor: string | null }
export type { Static };

// Request and response schemas of the account routes (auth, users, API tokens, portal sign-in).
import { Type } from 'typebox';
import { PERMISSION_NAMES, ROLES } from '../auth/permissions.ts';
import { DateTime, Nullable, StringEnum, Uuid } from './schemas.ts';

export const Email = () => Type.String({ format: 'email', minLength: 3, maxLength: 320 });
export const PasswordInput = () => Type.String({ minLength: 1, maxLength: 256 });

export const UserSchema = Type.Object(
  {
    id: Uuid(),
    email: Type.String(),
    name: Nullable(Type.String()),
    role: StringEnum(ROLES),
    organisationId: Uuid(),
    agentId: Nullable(Uuid()),
    customerId: Nullable(Uuid()),
    totpEnabled: Type.Boolean(),
    disabled: Type.Boolean(),
    locked: Type.Boolean(),
    lastLoginAt: Nullable(DateTime()),
    createdAt: DateTime(),
  },
  { additionalProperties: false },
);

export const SessionInfoSchema = Type.Object(
  {
    user: UserSchema,
    csrfToken: Nullable(Type.String({ description: 'Send as the x-csrf-token header on every non-GET request made with the session cookie; null for API tokens' })),
    permissions: Type.Array(Type.String()),
  },
  { additionalProperties: false },
);

export const LoginBody = Type.Object(
  {
    email: Email(),
    password: PasswordInput(),
    totp: Type.Optional(Type.String({ pattern: '^[0-9]{6}$', description: 'The 6-digit code when the account has a second factor' })),
    organisation: Type.Optional(Uuid({ description: 'Only needed when the email address has accounts in several organisations' })),
  },
  { additionalProperties: false },
);

export const ResetRequestBody = Type.Object({ email: Email() }, { additionalProperties: false });
export const ResetConfirmBody = Type.Object({ token: Type.String({ minLength: 10, maxLength: 200 }), password: PasswordInput() }, { additionalProperties: false });
export const TotpCodeBody = Type.Object({ code: Type.String({ pattern: '^[0-9]{6}$' }) }, { additionalProperties: false });
export const TotpDisableBody = Type.Object({ password: PasswordInput() }, { additionalProperties: false });
export const TotpSetupSchema = Type.Object({ secret: Type.String(), uri: Type.String({ description: 'otpauth:// URI for authenticator apps (QR code content)' }) }, { additionalProperties: false });

export const CreateUserBody = Type.Object(
  {
    email: Email(),
    name: Type.Optional(Type.String({ minLength: 1, maxLength: 200 })),
    role: StringEnum(ROLES),
    password: Type.Optional(PasswordInput()),
    agentId: Type.Optional(Nullable(Uuid())),
    customerId: Type.Optional(Nullable(Uuid())),
  },
  { additionalProperties: false },
);

export const UpdateUserBody = Type.Object(
  {
    name: Type.Optional(Nullable(Type.String({ minLength: 1, maxLength: 200 }))),
    role: Type.Optional(StringEnum(ROLES)),
    agentId: Type.Optional(Nullable(Uuid())),
    disabled: Type.Optional(Type.Boolean()),
    unlock: Type.Optional(Type.Literal(true, { description: 'Clear a lockout after failed sign-ins' })),
  },
  { additionalProperties: false, minProperties: 1 },
);

export const Scope = StringEnum(PERMISSION_NAMES);

export const CreateTokenBody = Type.Object(
  {
    name: Type.String({ minLength: 1, maxLength: 100 }),
    scopes: Type.Array(Scope, { minItems: 1, uniqueItems: true }),
    expiresInDays: Type.Optional(Type.Integer({ minimum: 1, maximum: 365, description: 'Default 90' })),
  },
  { additionalProperties: false },
);

export const ApiTokenSchema = Type.Object(
  {
    id: Uuid(),
    name: Type.String(),
    prefix: Type.String({ description: 'The first characters of the token, to tell tokens apart' }),
    scopes: Type.Array(Type.String()),
    expiresAt: Nullable(DateTime()),
    lastUsedAt: Nullable(DateTime()),
    revokedAt: Nullable(DateTime()),
    createdAt: DateTime(),
  },
  { additionalProperties: false },
);

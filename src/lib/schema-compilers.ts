import { createRequire } from 'node:module'

/**
 * Fastify's own schema compilers, shared by every app built in one process that is given them
 * (`buildApp({ schemaCompilers })`). A server builds one app and gains nothing; the tests build
 * hundreds, one per test, and compiling every route's schemas anew (ajv, fast-json-stringify)
 * was about half of each test's start. Shared, a schema compiles once per process: the caches
 * below are keyed by the schema's JSON text, since routes build some schemas as fresh object
 * literals on every registration (ajv's own cache knows only the object).
 *
 * The compilers are the very ones Fastify would create for each app (@fastify/ajv-compiler,
 * @fastify/fast-json-stringify-compiler), resolved from Fastify's own folder so the versions
 * match; only their lifetime changes, so validation and serialisation behave identically.
 */
const fastifyRequire = createRequire(createRequire(import.meta.url).resolve('fastify'))

type SerializerArgs = { schema: object; method: string; url: string; httpStatus: string; contentType?: string }
type Serialize = (data: unknown) => string

export interface SchemaCompilers {
  buildValidator: (externalSchemas: unknown, options: unknown) => (args: { schema: object }) => unknown
  buildSerializer: (externalSchemas: unknown, options: unknown) => (args: SerializerArgs) => Serialize
}

export function sharedSchemaCompilers(): SchemaCompilers {
  const ValidatorSelector = fastifyRequire('@fastify/ajv-compiler')
  const SerializerSelector = fastifyRequire('@fastify/fast-json-stringify-compiler')
  // A compiled function serves every schema of the same text compiled with the same external
  // schemas and options (the pool key, as @fastify/ajv-compiler keys its own pool).
  const cached = <A extends { schema: object }, F>(select: (externalSchemas: unknown, options: unknown) => (args: A) => F) => {
    const pools = new Map<string, Map<string, F>>()
    return (externalSchemas: unknown, options: unknown) => {
      const compile = select(externalSchemas, options)
      const poolKey = JSON.stringify([externalSchemas, options])
      let pool = pools.get(poolKey)
      if (!pool) pools.set(poolKey, (pool = new Map()))
      return (args: A) => {
        const key = JSON.stringify(args.schema)
        let fn = pool!.get(key)
        if (!fn) pool!.set(key, (fn = compile(args)))
        return fn
      }
    }
  }
  return {
    buildValidator: cached<{ schema: object }, unknown>(ValidatorSelector()),
    buildSerializer: cached<SerializerArgs, Serialize>(SerializerSelector()),
  }
}

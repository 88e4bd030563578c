import { request } from 'undici'

export interface Resp { status: number, body: unknown, contentType: string | undefined, text: string }

/** A small registry client speaking real HTTP. */
export function registryClient (baseUrl: string) {
  async function call (method: 'GET' | 'POST' | 'PUT' | 'DELETE', path: string, body?: unknown, headers: Record<string, string> = {}): Promise<Resp> {
    const res = await request(`${baseUrl}${path}`, {
      method,
      headers: body === undefined ? headers : { 'content-type': 'application/vnd.schemaregistry.v1+json', ...headers },
      body: body === undefined ? undefined : typeof body === 'string' ? body : JSON.stringify(body)
    })
    const text = await res.body.text()
    let parsed: unknown = text
    try { parsed = text === '' ? undefined : JSON.parse(text) } catch { /* keep text */ }
    const ct = res.headers['content-type']
    return { status: res.statusCode, body: parsed, text, contentType: typeof ct === 'string' ? ct : undefined }
  }
  return {
    call,
    get: async (p: string, h?: Record<string, string>) => await call('GET', p, undefined, h),
    post: async (p: string, b: unknown, h?: Record<string, string>) => await call('POST', p, b, h),
    put: async (p: string, b: unknown) => await call('PUT', p, b),
    del: async (p: string) => await call('DELETE', p),
    register: async (subject: string, schema: unknown, extra: Record<string, unknown> = {}) =>
      await call('POST', `/subjects/${encodeURIComponent(subject)}/versions`, { schema: typeof schema === 'string' ? schema : JSON.stringify(schema), ...extra })
  }
}
export type RegistryClient = ReturnType<typeof registryClient>

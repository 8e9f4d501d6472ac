/** A GraphQL response as it arrived over HTTP. */
export interface GqlResponse<T = any> {
  status: number;
  data?: T;
  errors?: Array<{ message: string; path?: Array<string | number>; extensions?: Record<string, any> }>;
}

/** POSTs one operation to `url` the way a client would. */
export async function gql<T = any>(
  url: string,
  query: string,
  variables?: Record<string, unknown>,
  headers: Record<string, string> = {},
): Promise<GqlResponse<T>> {
  const res = await fetch(url, {
    method: "POST",
    headers: { "content-type": "application/json", ...headers },
    body: JSON.stringify({ query, variables }),
  });
  const body = (await res.json()) as Omit<GqlResponse<T>, "status">;
  return { status: res.status, ...body };
}

/** The `extensions.code` of each error, in order. */
export const codes = (r: GqlResponse): string[] => (r.errors ?? []).map((e) => String(e.extensions?.code));

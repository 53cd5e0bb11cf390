/**
 * The URL path of a job, each segment of its id percent-encoded (ids derived from CloudEvents hold slashes); the
 * `:` of a producer's prefix is a path character (RFC 3986 pchar) and stays readable.
 */
export function jobLocation(id: string): string {
  const segment = (part: string) => encodeURIComponent(part).replaceAll("%3A", ":");
  return `/api/jobs/${id.split("/").map(segment).join("/")}`;
}

/** The URL path of a job, each segment of its id percent-encoded (ids derived from CloudEvents hold slashes). */
export function jobLocation(id: string): string {
  return `/api/jobs/${id.split("/").map(encodeURIComponent).join("/")}`;
}

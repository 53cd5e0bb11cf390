/**
 * How large an entity Table storage takes, so that a record that cannot be written is known before writing.
 *
 * Azure Table storage (learn.microsoft.com/rest/api/storageservices/understanding-the-table-service-data-model):
 * an entity holds at most 1 MiB of data and 252 properties of its own (255 with PartitionKey, RowKey and
 * Timestamp); an Edm.Binary or Edm.String value at most 64 KiB. Azurite 3.37.0, measured
 * (test/producers/webhooks/tableDeliveryStore.integration.test.ts): an update (Replace) is refused with EntityTooLarge when
 * its JSON request body exceeds 1 MiB, and binary values travel base64 in it, so the binding limit is the wire size:
 * 786,005 bytes of binary in one entity at most, against 1 MiB by Azure's own count.
 */
export const ENTITY_LIMIT_BYTES = 1024 * 1024;
export const MAX_OWN_PROPERTIES = 252;
export const PROPERTY_LIMIT_BYTES = 64 * 1024;
/** What the SDK adds per property on the wire (`"name@odata.type":"Edm.Binary",` and quoting), generously. */
const ANNOTATION_BYTES = 64;

/** The entity's size as a JSON request body: binary base64, strings as UTF-8, each with its type annotation. */
export function wireBytes(entity: Record<string, unknown>): number {
  let total = 2;
  for (const [name, value] of Object.entries(entity)) {
    total += Buffer.byteLength(name) * 2 + ANNOTATION_BYTES;
    if (value instanceof Uint8Array) total += Math.ceil(value.byteLength / 3) * 4;
    else if (typeof value === "string") total += Buffer.byteLength(JSON.stringify(value));
    else total += 32; // numbers, booleans, dates
  }
  return total;
}

/** Whether Table storage (Azure and Azurite alike) takes this entity: size, property count, value sizes. */
export function fitsOneEntity(entity: Record<string, unknown>): boolean {
  const own = Object.keys(entity).filter((name) => name !== "partitionKey" && name !== "rowKey");
  if (own.length > MAX_OWN_PROPERTIES) return false;
  for (const name of own) {
    const value = entity[name];
    if (value instanceof Uint8Array && value.byteLength > PROPERTY_LIMIT_BYTES) return false;
    if (typeof value === "string" && value.length * 2 > PROPERTY_LIMIT_BYTES) return false; // UTF-16 on Azure
  }
  return wireBytes(entity) <= ENTITY_LIMIT_BYTES;
}

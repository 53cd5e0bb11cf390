import { describe, expect, it } from "vitest";
import { fitsOneEntity, wireBytes } from "../../src/storage/entitySize";

const base = { partitionKey: "ab", rowKey: "c".repeat(64) };

describe("what one Table entity takes", () => {
  it("at most 252 properties of its own", () => {
    const props = (n: number) => Object.fromEntries(Array.from({ length: n }, (_, i) => [`p${i}`, 1]));
    expect(fitsOneEntity({ ...base, ...props(252) })).toBe(true);
    expect(fitsOneEntity({ ...base, ...props(253) })).toBe(false);
  });

  it("at most 64 KiB per binary or string value (strings count as UTF-16)", () => {
    expect(fitsOneEntity({ ...base, b: new Uint8Array(65_536) })).toBe(true);
    expect(fitsOneEntity({ ...base, b: new Uint8Array(65_537) })).toBe(false);
    expect(fitsOneEntity({ ...base, s: "a".repeat(32_768) })).toBe(true);
    expect(fitsOneEntity({ ...base, s: "a".repeat(32_769) })).toBe(false);
  });

  it("at most 1 MiB on the wire, binary counted base64", () => {
    const chunks = (n: number, size: number) =>
      Object.fromEntries(Array.from({ length: n }, (_, i) => [`body${i}`, new Uint8Array(size)]));
    expect(fitsOneEntity({ ...base, ...chunks(13, 60_000) })).toBe(true); // 780,000 bytes: 1,040,000 base64
    expect(fitsOneEntity({ ...base, ...chunks(14, 60_000) })).toBe(false); // 840,000 bytes
    expect(wireBytes({ b: new Uint8Array(3) })).toBeGreaterThan(4);
  });
});

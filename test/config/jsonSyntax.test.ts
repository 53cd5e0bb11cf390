import { describe, expect, it } from "vitest";
import { jsonSyntaxError } from "../../src/config/jsonSyntax";

describe("JSON syntax errors", () => {
  it.each([
    ['{"a": 1}', undefined],
    ['{"a": 1,}', "line 1, column 9: property name expected"],
    ['{\n  "a": 1\n  "b": 2\n}', "line 3, column 3: comma expected"],
    [
      '{\n  "models": {\n    "churn": { "scenarioId": "churn" \n  }\n}\n',
      "line 6, column 1: close brace expected",
    ],
    ["", "line 1, column 1: value expected"],
    ['{"a": tru}', "line 1, column 7: invalid symbol"],
  ])("%j: %s", (text, expected) => {
    expect(jsonSyntaxError(text)).toBe(expected);
  });

  it("says where, never what is there (a setting's JSON may hold a secret)", () => {
    const message = jsonSyntaxError('{"clientsecret": "s3cr3t-value" "url": 1}');
    expect(message).toBe("line 1, column 33: comma expected");
    expect(message).not.toContain("s3cr3t");
  });
});

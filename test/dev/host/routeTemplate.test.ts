import { describe, expect, it } from "vitest";
import { compileRoute } from "../../../src/dev/host/routeTemplate";

describe("route templates", () => {
  it("matches parameters and decodes them", () => {
    expect(compileRoute("models/{model}/predict").match("/models/churn%2Dv2/predict")).toEqual({
      model: "churn-v2",
    });
    expect(compileRoute("models/{model}/predict").match("/models/predict")).toBeUndefined();
  });

  it("matches literal segments case-insensitively and tolerates a trailing slash", () => {
    expect(compileRoute("Health").match("/health/")).toEqual({});
  });

  it("treats {x?} as optional and fills {x=default}", () => {
    const optional = compileRoute("hello/{name?}");
    expect(optional.match("/hello")).toEqual({});
    expect(optional.match("/hello/bob")).toEqual({ name: "bob" });
    expect(compileRoute("page/{n=1}").match("/page")).toEqual({ n: "1" });
  });

  it("accepts constraints without enforcing them, and catch-all parameters", () => {
    expect(compileRoute("items/{id:int}").match("/items/abc")).toEqual({ id: "abc" });
    expect(compileRoute("x/{v:regex(^[a-z]{{2}}$)}").match("/x/ab")).toEqual({ v: "ab" });
    expect(compileRoute("files/{*path}").match("/files/a/b/c")).toEqual({ path: "a/b/c" });
  });

  it("ranks literal segments above parameters", () => {
    expect(compileRoute("items/new").precedence).toBeGreaterThan(compileRoute("items/{id}").precedence);
  });
});

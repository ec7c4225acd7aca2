import { expect } from "chai";
import { parseCli, usageText } from "../../server/cli/cli-args.ts";

const spec = {
  usage: "npm run thing -- [options]",
  summary: "Does a thing.",
  options: {
    seconds: { type: "string" as const, default: "120", help: "how long" },
    rolling: { type: "boolean" as const, help: "roll" },
  },
};

describe("CLI arguments", () => {
  it("parses known options with their defaults", () => {
    expect(parseCli(spec, ["--seconds", "30", "--rolling"]).values).to.deep.equal({ seconds: "30", rolling: true });
    expect(parseCli(spec, []).values).to.deep.equal({ seconds: "120" });
  });

  it("lists every option with its help and default in the usage text", () => {
    const text = usageText(spec);
    expect(text).to.match(/^usage: npm run thing -- \[options\]/);
    expect(text).to.include("--seconds <value>").and.include("how long (default: 120)").and.include("--rolling").and.include("--help");
  });
});

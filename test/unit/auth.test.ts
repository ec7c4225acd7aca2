import { createHmac } from "node:crypto";
import { expect } from "chai";
import { jwtVerify, SignJWT } from "jose";
import { hashPassword, verifyPassword, verifyPasswordOrDecoy } from "../../server/auth/passwords.ts";
import { TokenService } from "../../server/auth/tokens.ts";
import { RingcastError } from "../../server/errors.ts";

const FAST = { N: 1024, r: 8, p: 1 };

describe("passwords", () => {
  it("stores an scrypt hash with its parameters and a random salt, never the password", async () => {
    const [a, b] = [await hashPassword("hunter2-hunter2", FAST), await hashPassword("hunter2-hunter2", FAST)];
    expect(a).to.match(/^scrypt\$1024\$8\$1\$[\w-]+\$[\w-]+$/);
    expect(a).not.to.include("hunter2");
    expect(a).not.to.equal(b);
  });

  it("verifies the right password only", async () => {
    const stored = await hashPassword("correct horse", FAST);
    expect(await verifyPassword("correct horse", stored)).to.equal(true);
    expect(await verifyPassword("correct hors", stored)).to.equal(false);
    expect(await verifyPassword("", stored)).to.equal(false);
  });

  it("answers false for a user with no stored hash (after spending the same work)", async () => {
    expect(await verifyPasswordOrDecoy("anything", undefined)).to.equal(false);
    expect(await verifyPasswordOrDecoy("pw-123456", await hashPassword("pw-123456", FAST))).to.equal(true);
  });

  it("rejects malformed stored hashes instead of throwing", async () => {
    expect(await verifyPassword("x", "plaintext")).to.equal(false);
    expect(await verifyPassword("x", "scrypt$a$b$c$d$e")).to.equal(false);
  });
});

describe("tokens", () => {
  const service = new TokenService("k".repeat(32), 60);

  async function codeOf(promise: Promise<unknown>): Promise<string> {
    const err = await promise.then(
      () => undefined,
      (e: unknown) => e,
    );
    expect(err).to.be.instanceOf(RingcastError);
    return (err as RingcastError).code;
  }

  it("round-trips the user id and role and states the expiry", async () => {
    const issued = await service.issue({ userId: "s001", role: "student" });
    expect(await service.verify(issued.token)).to.deep.equal({ userId: "s001", role: "student" });
    expect(Date.parse(issued.expiresAt) - Date.now()).to.be.within(55_000, 60_000);
  });

  it("refuses missing, expired, foreign and tampered tokens with distinct codes", async () => {
    expect(await codeOf(service.verify(undefined))).to.equal("missing_token");
    expect(await codeOf(service.verify(""))).to.equal("missing_token");
    const expired = await new TokenService("k".repeat(32), -1).issue({ userId: "s001", role: "student" });
    expect(await codeOf(service.verify(expired.token))).to.equal("token_expired");
    const foreign = await new TokenService("z".repeat(32), 60).issue({ userId: "s001", role: "student" });
    expect(await codeOf(service.verify(foreign.token))).to.equal("invalid_token");
    const issued = await service.issue({ userId: "s001", role: "student" });
    const [header, , signature] = issued.token.split(".");
    const forgedPayload = Buffer.from(JSON.stringify({ sub: "t-ada", role: "teacher", iss: "ringcast" })).toString("base64url");
    expect(await codeOf(service.verify(`${header}.${forgedPayload}.${signature}`))).to.equal("invalid_token");
  });

  it("speaks standard JWT: its tokens verify with jose, and jose's HS256 tokens verify here", async () => {
    const key = new TextEncoder().encode("k".repeat(32));
    const issued = await service.issue({ userId: "s001", role: "student" });
    const { payload, protectedHeader } = await jwtVerify(issued.token, key, { issuer: "ringcast", algorithms: ["HS256"] });
    expect(protectedHeader.alg).to.equal("HS256");
    expect(payload).to.include({ sub: "s001", role: "student", iss: "ringcast" });
    expect(payload.exp! * 1000).to.equal(Date.parse(issued.expiresAt));
    const signed = await new SignJWT({ role: "teacher" }).setProtectedHeader({ alg: "HS256" }).setSubject("t-ada").setIssuer("ringcast").setExpirationTime("1m").sign(key);
    expect(await service.verify(signed)).to.deep.equal({ userId: "t-ada", role: "teacher" });
  });

  it("refuses other algorithms, critical extensions, other issuers and tokens not yet valid", async () => {
    const key = new TextEncoder().encode("k".repeat(32));
    const sign = (header: object, claims: object): string => {
      const part = (value: object): string => Buffer.from(JSON.stringify(value)).toString("base64url");
      const input = `${part(header)}.${part({ sub: "s001", role: "student", iss: "ringcast", exp: Math.floor(Date.now() / 1000) + 60, ...claims })}`;
      return `${input}.${createHmac("sha256", key).update(input).digest("base64url")}`;
    };
    expect(await service.verify(sign({ alg: "HS256" }, {}))).to.deep.equal({ userId: "s001", role: "student" });
    expect(await codeOf(service.verify(sign({ alg: "none" }, {})))).to.equal("invalid_token");
    expect(await codeOf(service.verify(sign({ alg: "HS384" }, {})))).to.equal("invalid_token");
    expect(await codeOf(service.verify(sign({ alg: "HS256", crit: ["exp"] }, {})))).to.equal("invalid_token");
    expect(await codeOf(service.verify(sign({ alg: "HS256" }, { iss: "someone-else" })))).to.equal("invalid_token");
    expect(await codeOf(service.verify(sign({ alg: "HS256" }, { nbf: Math.floor(Date.now() / 1000) + 60 })))).to.equal("invalid_token");
    expect(await codeOf(service.verify(sign({ alg: "HS256" }, { exp: undefined })))).to.equal("invalid_token");
    const unsigned = `${sign({ alg: "none" }, {}).split(".").slice(0, 2).join(".")}.`;
    expect(await codeOf(service.verify(unsigned))).to.equal("invalid_token");
    expect(await codeOf(service.verify("not.a.token!"))).to.equal("invalid_token");
  });
});

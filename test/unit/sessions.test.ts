import { expect } from "chai";
import { parseSessionEnd, refusalOf } from "../../server/auth/revocations.ts";
import { TokenService } from "../../server/auth/tokens.ts";
import type { RingcastError } from "../../server/errors.ts";

describe("sessions: token ids, refusals, session-end announcements", () => {
  const service = new TokenService("k".repeat(32), 60);

  it("gives every token its own jti, returned with the expiry by verifyToken", async () => {
    const [a, b] = await Promise.all([service.issue({ userId: "s001", role: "student" }), service.issue({ userId: "s001", role: "student" })]);
    const [va, vb] = [service.verifyToken(a.token), service.verifyToken(b.token)];
    expect(va.tokenId).to.match(/^[A-Za-z0-9_-]{22}$/);
    expect(va.tokenId).to.not.equal(vb.tokenId);
    expect(va.expiresAtMs).to.equal(Date.parse(a.expiresAt));
    expect(va.claims).to.deep.equal({ userId: "s001", role: "student" });
  });

  it("refuses revoked tokens and blocked accounts with clear codes (deleted before disabled before revoked)", () => {
    const codeOf = (e: RingcastError | undefined) => e && [e.status, e.code, e.message];
    expect(refusalOf(false, null)).to.equal(undefined);
    expect(codeOf(refusalOf(true, null))).to.deep.equal([401, "invalid_token", "the access token was revoked (signed out); sign in again"]);
    expect(codeOf(refusalOf(false, "disabled"))).to.deep.equal([403, "forbidden", "this account is disabled; ask an administrator"]);
    expect(codeOf(refusalOf(true, "deleted"))).to.deep.equal([401, "invalid_token", "the account behind this token no longer exists"]);
  });

  it("reads only well-formed session-end announcements", () => {
    expect(parseSessionEnd('{"userId":"s001","reason":"account_disabled"}')).to.deep.equal({ userId: "s001", reason: "account_disabled" });
    expect(parseSessionEnd('{"userId":"s001","tokenId":"abc","reason":"token_revoked"}')).to.deep.equal({ userId: "s001", tokenId: "abc", reason: "token_revoked" });
    for (const bad of ["", "null", "[]", '{"userId":1,"reason":"token_revoked"}', '{"userId":"s001","reason":"bored"}', '{"userId":"s001","tokenId":5,"reason":"token_revoked"}']) {
      expect(parseSessionEnd(bad), bad).to.equal(undefined);
    }
  });
});

import { mkdirSync, mkdtempSync, rmSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { fileURLToPath } from "node:url";
import { expect } from "chai";
import { type BrowserContext, chromium, type Page } from "playwright-core";
import { RingcastRest } from "../../client/rest.ts";
import { ensureCommand } from "../../server/cli/system-command.ts";
import { HashRing } from "../../server/ring/hash-ring.ts";
import { type ClusterProcess, OPERATOR_TOKEN, spawnGateway, spawnMember } from "../support/processes.ts";
import { seedSchool, sharedRedis, TEST_PASSWORD, uniquePrefix } from "../support/redis.ts";

/** Debian's Chromium (installed when missing, as redis-server is), headless, offline, with a fresh profile. */
const chromiumPath = (): string => process.env.CHROMIUM_PATH ?? ensureCommand("chromium", "chromium", "or set CHROMIUM_PATH to a Chromium or Chrome");
const CHROMIUM_ARGS = [
  "--no-sandbox",
  "--disable-gpu",
  "--disable-quic",
  "--no-first-run",
  "--disable-background-networking",
  "--disable-component-update",
  "--disable-sync",
  "--host-resolver-rules=MAP * ~NOTFOUND, EXCLUDE 127.0.0.1, EXCLUDE localhost",
];
const ARTIFACTS = fileURLToPath(new URL("../artifacts/", import.meta.url));
const HASH_ENV = { RINGCAST_MODE: "hash", RINGCAST_LEASE_MS: "2000", RINGCAST_HEARTBEAT_MS: "500" };
const MEMBER_IDS = ["a", "b", "c"];
const MATH_7A = Array.from({ length: 30 }, (_, i) => `s${String(i + 1).padStart(3, "0")}`);

const state = (page: Page) => page.locator('[data-testid="connection-state"]');
const memberOf = async (page: Page) => (await page.locator('[data-testid="connection-state"]').getAttribute("data-member")) || undefined;

async function signIn(page: Page, url: string, userId: string, password = TEST_PASSWORD): Promise<void> {
  await page.goto(url);
  await page.fill('input[name="userId"]', userId);
  await page.fill('input[name="password"]', password);
  await page.click('button[type="submit"]');
}

describe("classroom web app in Chromium (hash cluster: gateway + 3 members)", function () {
  this.timeout(90_000);
  const members = new Map<string, ClusterProcess>();
  let gateway: ClusterProcess;
  let context: BrowserContext;
  let profile: string;
  let teacher: Page;
  let studentA: Page;
  let studentB: Page;
  // Students of math-7a served by different members; A's member is not the teacher's (it gets killed).
  const ring = new HashRing(MEMBER_IDS);
  const idA = MATH_7A.find((s) => ring.owner(s) !== ring.owner("t-ada"))!;
  const idB = MATH_7A.find((s) => ring.owner(s) !== ring.owner(idA))!;

  before(async function () {
    this.timeout(600_000); // a first run on a fresh machine installs Chromium
    const redisUrl = (await sharedRedis()).url;
    const prefix = uniquePrefix("web");
    await seedSchool(redisUrl, prefix);
    for (const id of MEMBER_IDS) members.set(id, await spawnMember({ redisUrl, prefix, nodeId: id, env: HASH_ENV }));
    gateway = await spawnGateway({ redisUrl, prefix, mode: "hash" });
    profile = mkdtempSync(join(tmpdir(), "ringcast-chromium-"));
    mkdirSync(ARTIFACTS, { recursive: true });
    context = await chromium.launchPersistentContext(profile, {
      executablePath: chromiumPath(),
      headless: true,
      args: CHROMIUM_ARGS,
      viewport: { width: 390, height: 760 }, // a phone-size screen
    });
    [teacher, studentA, studentB] = await Promise.all([context.newPage(), context.newPage(), context.newPage()]);
  });

  after(async () => {
    await context?.close();
    if (profile) rmSync(profile, { recursive: true, force: true });
    await gateway?.stop();
    await Promise.all([...members.values()].map((m) => m.stop()));
  });

  it("a wrong password shows a clear error on the sign-in form", async () => {
    await signIn(teacher, gateway.url, "t-ada", "not-the-password");
    await teacher.locator('[data-testid="sign-in-error"]').filter({ hasText: "Wrong user id or password." }).waitFor();
  });

  it("signs in a teacher and two students, each tab served by its user's owner", async () => {
    await signIn(teacher, gateway.url, "t-ada");
    await signIn(studentA, gateway.url, idA);
    await signIn(studentB, gateway.url, idB);
    for (const page of [teacher, studentA, studentB]) await state(page).and(page.locator('[data-state="connected"]')).waitFor();
    expect(await memberOf(studentA)).to.equal(ring.owner(idA));
    expect(await memberOf(studentB)).to.equal(ring.owner(idB));
    expect(await memberOf(studentA)).to.not.equal(await memberOf(studentB));
    // Operator details (member, ring epoch) are not shown to users; the Cluster page has them.
    expect(await studentA.locator("div.status").textContent()).to.equal("Connected");
  });

  it("a class message from the teacher's page appears on both students' pages", async () => {
    await teacher.locator('[data-testid="to"] option').first().waitFor({ state: "attached" });
    await teacher.fill('[data-testid="body"]', "Quiz on Friday: chapters 3 and 4");
    await teacher.click('form.composer button[type="submit"]');
    await teacher.locator('[data-testid="sent"] li').filter({ hasText: "30 recipients" }).waitFor();
    for (const page of [studentA, studentB]) {
      await page.locator('[data-testid="messages"] li').filter({ hasText: "Quiz on Friday" }).waitFor();
      expect(await page.locator('[data-testid="unread"]').textContent()).to.equal("1 unread");
      expect(await page.locator('[data-testid="messages"] li').first().textContent()).to.include("Ada Lovelace");
    }
    // Two of the class are online: the delivery line says so once their sockets were sent it.
    await teacher.locator('[data-testid="delivery"]').filter({ hasText: "30 recipients · 2 received" }).waitFor({ timeout: 10_000 });
    await teacher.screenshot({ path: join(ARTIFACTS, "teacher.png"), fullPage: true });
    await studentA.screenshot({ path: join(ARTIFACTS, "student.png"), fullPage: true });
  });

  it("a refused send shows the server's reason", async () => {
    await teacher.fill('[data-testid="body"]', "");
    await teacher.click('form.composer button[type="submit"]');
    const error = teacher.locator('[data-testid="send-error"]');
    await error.filter({ hasText: "Not sent:" }).waitFor();
    expect(await error.textContent()).to.match(/^Not sent: .*body/);
  });

  it("killing the member serving a student's tab: the tab shows it, lands on another member, gets the message sent meanwhile once", async () => {
    const first = (await memberOf(studentA))!;
    await members.get(first)!.kill();
    members.delete(first);
    await studentA.locator('[data-testid="connection-state"][data-state="reconnecting"]').waitFor({ timeout: 10_000 });
    await studentA.screenshot({ path: join(ARTIFACTS, "student-reconnecting.png") });
    await teacher.fill('[data-testid="body"]', "Sent while a member was down");
    await teacher.click('form.composer button[type="submit"]');
    await teacher.locator('[data-testid="sent"] li').filter({ hasText: "Sent while a member was down" }).waitFor({ timeout: 15_000 });
    await studentA.locator('[data-testid="connection-state"][data-state="connected"]').waitFor({ timeout: 20_000 });
    expect(await memberOf(studentA)).to.not.equal(first);
    const copies = studentA.locator('[data-testid="messages"] li').filter({ hasText: "Sent while a member was down" });
    await copies.first().waitFor({ timeout: 10_000 });
    await new Promise((r) => setTimeout(r, 500));
    expect(await copies.count()).to.equal(1);
    expect(await studentA.locator('[data-testid="messages"] li.message').count()).to.equal(2);
  });

  it("the cluster page is for operators: with the operator token it lists the live members with their ring share", async () => {
    await teacher.goto(`${gateway.url}/#/cluster`);
    await teacher.locator('[data-testid="cluster-summary"]').filter({ hasText: "for operators" }).waitFor();
    expect(await teacher.locator("tr[data-member]").count()).to.equal(0);
    await teacher.fill('[data-testid="operator-token"]', OPERATOR_TOKEN);
    await teacher.click('form:has([data-testid="operator-token"]) button[type="submit"]');
    await teacher.locator('[data-testid="cluster-summary"]').filter({ hasText: "hash mode" }).waitFor();
    await teacher.locator("tr[data-member]").nth(1).waitFor();
    const shares = await teacher.locator("tr[data-member] td:nth-child(3)").allTextContents();
    expect(shares.length).to.be.within(2, 3);
    for (const share of shares) expect(share).to.match(/^\d+\.\d%$/);
    // Rates need two heartbeats of a member; the refusals line says what was refused lately (the empty send).
    await teacher.locator('[data-testid="rate"]').filter({ hasText: /^\d+\.\d · \d+\.\d$/ }).first().waitFor({ timeout: 10_000 });
    // A request refused while the page is open shows up, by error code, with the next heartbeats.
    const { token } = await new RingcastRest(gateway.url).login("t-ada", TEST_PASSWORD);
    const refused = await fetch(`${gateway.url}/api/messages`, { method: "POST", headers: { authorization: `Bearer ${token}`, "content-type": "application/json" }, body: "{}" });
    expect(refused.status).to.equal(400);
    await teacher.locator('[data-testid="refusals"]').filter({ hasText: /Refused in the last minute: .*invalid_request \d+/ }).waitFor({ timeout: 10_000 });
    await teacher.screenshot({ path: join(ARTIFACTS, "cluster.png"), fullPage: true });
  });

  it("a reload keeps the student's messages (history), each once, read state included; a new tab shows them too", async () => {
    const before = await studentB.locator('[data-testid="messages"] li.message').allTextContents();
    expect(before.length).to.be.at.least(1);
    await studentB.locator('[data-testid="messages"] li.message').first().click(); // marks all read
    await studentB.reload();
    await state(studentB).and(studentB.locator('[data-state="connected"]')).waitFor({ timeout: 20_000 });
    await studentB.locator('[data-testid="messages"] li.message').first().waitFor();
    expect(await studentB.locator('[data-testid="messages"] li.message').allTextContents()).to.deep.equal(before);
    expect(await studentB.locator('[data-testid="unread"]').isHidden()).to.equal(true);
    const fresh = await context.newPage();
    await signIn(fresh, gateway.url, MATH_7A.find((s) => s !== idA && s !== idB)!);
    await fresh.locator('[data-testid="messages"] li').filter({ hasText: "Quiz on Friday" }).waitFor();
    expect(await fresh.locator('[data-testid="unread"]').textContent()).to.match(/^\d+ unread$/);
    await fresh.close();
  });

  it("a student's reply reaches the teacher's page", async () => {
    await studentB.locator('[data-testid="reply"]').first().click();
    await studentB.fill('[data-testid="body"]', "Which exercises for chapter 4?");
    await studentB.click('form.composer button[type="submit"]');
    await studentB.locator('[data-testid="reply-sent"]').filter({ hasText: "Sent to" }).waitFor();
    await teacher.goto(`${gateway.url}/#/`);
    await teacher.locator('[data-testid="messages"] li').filter({ hasText: "Which exercises for chapter 4?" }).waitFor({ timeout: 15_000 });
    await studentB.screenshot({ path: join(ARTIFACTS, "student-reply.png"), fullPage: true });
  });
});

// Call scripts: versioned Handlebars templates with branching questions, rendered safely against a real complaint.
import Handlebars from 'handlebars';
import type { Knex } from 'knex';
import { z } from 'zod';
import type { Db } from '../../db/knex.js';
import type { AuditLog } from '../audit/audit-log.js';
import { type Clock, fromDbTime, IST, toDbTime } from '../../shared/dates.js';
import { badRequest, notFound } from '../../shared/errors.js';
import type { Lang } from '../../shared/i18n.js';

export const DEFAULT_SCRIPT_NAME = 'default';

const question = z.object({
  id: z.string().regex(/^[a-z][a-z0-9_]{0,39}$/),
  text: z.string().min(1).max(500),
  type: z.enum(['yesno', 'choice', 'text']),
  options: z
    .array(z.object({ value: z.string().min(1).max(40), label: z.string().min(1).max(100) }))
    .optional(),
  /** Which question comes next for an answer ('*' for any other answer); 'end' stops. Without it, the next in order. */
  next: z.record(z.string(), z.string()).optional(),
});
export const questionsSchema = z.array(question).max(30);
export type ScriptQuestion = z.infer<typeof question>;

export interface ScriptRow {
  id: number;
  name: string;
  version: number;
  language: Lang;
  body: string;
  questions: string;
  created_by: number | null;
  created_at: string;
}

export interface Script extends Omit<ScriptRow, 'questions'> {
  questions: ScriptQuestion[];
}

/** What a script may say: every name here is a variable a template can use; any other name is an error. */
export interface ScriptContext {
  complainantName: string;
  referenceNo: string;
  department: string;
  district: string;
  subject: string;
  receivedOn: string;
  disposedOn: string;
  reportGist: string;
  callerName: string;
  callerOffice: string;
}
export const SCRIPT_VARIABLES: Array<keyof ScriptContext> = [
  'complainantName',
  'referenceNo',
  'department',
  'district',
  'subject',
  'receivedOn',
  'disposedOn',
  'reportGist',
  'callerName',
  'callerOffice',
];

const DEFAULT_BODIES: Record<Lang, string> = {
  hi: `नमस्कार, क्या मेरी बात {{complainantName}} जी से हो रही है?

मैं {{callerName}}, {{callerOffice}} से बोल रहा/रही हूँ। आपने {{receivedOn}} को जनसुनवाई (IGRS) पर {{department}} विभाग से संबंधित शिकायत दर्ज की थी, जिसका संदर्भ संख्या {{referenceNo}} है{{#if subject}} — विषय: {{subject}}{{/if}}।

विभाग ने {{disposedOn}} को इसका निस्तारण करते हुए बताया है: "{{reportGist}}"

इसी के सत्यापन के लिए हम आपसे कुछ प्रश्न पूछना चाहते हैं। इसमें दो-तीन मिनट लगेंगे।`,
  en: `Hello, am I speaking with {{complainantName}}?

This is {{callerName}} from {{callerOffice}}. On {{receivedOn}} you filed a complaint on IGRS (Jansunwai) about the {{department}} department, reference number {{referenceNo}}{{#if subject}} — subject: {{subject}}{{/if}}.

The department disposed of it on {{disposedOn}} and reported: "{{reportGist}}"

We would like to ask you a few questions to verify this. It will take two or three minutes.`,
};

const DEFAULT_QUESTIONS: Record<Lang, ScriptQuestion[]> = {
  hi: [
    {
      id: 'contacted',
      text: 'क्या शिकायत के संबंध में किसी अधिकारी/कर्मचारी ने आपसे संपर्क किया?',
      type: 'yesno',
      next: { no: 'solved' },
    },
    { id: 'visited', text: 'क्या कोई अधिकारी मौके पर आया?', type: 'yesno' },
    { id: 'solved', text: 'क्या आपकी समस्या का समाधान हो गया?', type: 'yesno', next: { yes: 'end' } },
    { id: 'pending', text: 'अब क्या बाकी है? (शिकायतकर्ता के शब्दों में)', type: 'text' },
  ],
  en: [
    {
      id: 'contacted',
      text: 'Did any officer or staff member contact you about the complaint?',
      type: 'yesno',
      next: { no: 'solved' },
    },
    { id: 'visited', text: 'Did an officer visit the spot?', type: 'yesno' },
    { id: 'solved', text: 'Has your problem been solved?', type: 'yesno', next: { yes: 'end' } },
    { id: 'pending', text: 'What is still pending? (in the complainant’s words)', type: 'text' },
  ],
};

/** A template problem, with the message key and params to show the editor (never thrown at a caller). */
export class ScriptError extends Error {
  constructor(
    readonly key: string,
    readonly params: Record<string, string | number>,
  ) {
    super(key);
  }
}

// An instance of its own, so scripts never see the app's view helpers or partials.
const sandbox = Handlebars.create();
const compiled = new Map<string, Handlebars.TemplateDelegate>();

/** The blocks a script may use: each takes one variable (with an optional {{else}}). */
const SCRIPT_BLOCKS = ['if', 'unless'];
const isVariable = (name: string): name is keyof ScriptContext =>
  (SCRIPT_VARIABLES as readonly string[]).includes(name);

/** The template's own text of a node, short enough to quote in a message. */
function sourceOf(body: string, loc: hbs.AST.SourceLocation | undefined): string {
  if (!loc) return '';
  const lines = body.split('\n');
  const from = lines.slice(0, loc.start.line - 1).join('\n').length + (loc.start.line > 1 ? 1 : 0);
  const to = lines.slice(0, loc.end.line - 1).join('\n').length + (loc.end.line > 1 ? 1 : 0);
  const text = body.slice(from + loc.start.column, to + loc.end.column);
  return text.length > 80 ? `${text.slice(0, 77)}...` : text;
}

/**
 * What a parse error means, said plainly: which block is left open or closed twice, or which tag is broken. The
 * parser's own words ("Expecting 'OPEN_ENDBLOCK', got 'EOF'") only go into the fallback.
 */
function parseProblem(body: string, message: string): ScriptError {
  const mismatch = /^(\S+) doesn't match (\S+) - (\d+):\d+/.exec(message);
  if (mismatch) {
    return new ScriptError('calls.script.blockMismatch', {
      open: mismatch[1]!,
      close: mismatch[2]!,
      line: Number(mismatch[3]),
    });
  }
  const line = Number(/line (\d+)/.exec(message)?.[1] ?? 1);
  const got = /got '(\w+)'\s*$/.exec(message)?.[1];
  // Walk the block tags to find the one left open, or a close (or else) with nothing open.
  const open: Array<{ name: string; line: number }> = [];
  const tags = /\{\{~?\s*(#|\/|else\b)\s*([^\s}~]*)/g;
  for (let m = tags.exec(body); m; m = tags.exec(body)) {
    const at = body.slice(0, m.index).split('\n').length;
    if (m[1] === '#') open.push({ name: m[2]!, line: at });
    else if (m[1] === '/') {
      if (!open.length) return new ScriptError('calls.script.strayClose', { block: m[2]!, line: at });
      open.pop();
    } else if (!open.length) return new ScriptError('calls.script.strayElse', { line: at });
  }
  if (got === 'EOF' && open.length) {
    const last = open.at(-1)!;
    return new ScriptError('calls.script.unclosedBlock', { block: last.name, line: last.line });
  }
  if (got === 'INVALID' || got === 'CLOSE' || got === 'EOF')
    return new ScriptError('calls.script.brokenTag', { line });
  return new ScriptError('calls.script.syntax', { line, detail: message.split('\n').at(-1)!.slice(0, 200) });
}

/**
 * Checks a template before it is ever rendered: every tag is a known variable, or an {{#if}} / {{#unless}} on one.
 * Checked on the template itself, not on one complaint, so a variable in a branch the preview's complaint does not
 * take is found too, and a template that passes renders for every complaint.
 */
export function checkTemplate(body: string): void {
  let program: hbs.AST.Program;
  try {
    program = sandbox.parse(body);
  } catch (err) {
    throw parseProblem(body, (err as Error).message ?? String(err));
  }
  const line = (node: hbs.AST.Node) => node.loc?.start.line ?? 1;
  const variable = (node: hbs.AST.Node, within: hbs.AST.Node) => {
    const path = node as hbs.AST.PathExpression;
    if (node.type !== 'PathExpression') {
      throw new ScriptError('calls.script.notAVariable', {
        text: sourceOf(body, node.loc) || sourceOf(body, within.loc),
        line: line(within),
      });
    }
    if (path.depth === 0 && !path.data && path.parts.length === 1 && isVariable(path.parts[0]!)) return;
    throw new ScriptError('calls.script.unknownVariable', {
      name: path.original,
      line: line(node),
      allowed: SCRIPT_VARIABLES.join(', '),
    });
  };
  const walk = (p: hbs.AST.Program | undefined) => {
    for (const statement of p?.body ?? []) {
      if (statement.type === 'ContentStatement' || statement.type === 'CommentStatement') continue;
      if (statement.type === 'MustacheStatement') {
        const m = statement as hbs.AST.MustacheStatement;
        if (m.params.length || m.hash?.pairs.length) {
          throw new ScriptError('calls.script.notAVariable', { text: sourceOf(body, m.loc), line: line(m) });
        }
        variable(m.path, m);
        continue;
      }
      if (statement.type === 'BlockStatement') {
        const b = statement as hbs.AST.BlockStatement;
        const name = b.path.type === 'PathExpression' ? (b.path as hbs.AST.PathExpression).original : '';
        if (!SCRIPT_BLOCKS.includes(name)) {
          throw new ScriptError('calls.script.unknownBlock', {
            block: name || sourceOf(body, b.path.loc),
            line: line(b),
          });
        }
        if (b.params.length !== 1 || b.hash?.pairs.length) {
          throw new ScriptError('calls.script.blockNeedsVariable', { block: name, line: line(b) });
        }
        variable(b.params[0]!, b);
        walk(b.program);
        walk(b.inverse);
        continue;
      }
      // Partials, decorators and raw blocks: nothing a script needs.
      throw new ScriptError('calls.script.notAVariable', {
        text: sourceOf(body, statement.loc),
        line: line(statement),
      });
    }
  };
  walk(program);
}

/**
 * Renders a script body as plain text (the page escapes it once). The template is checked first (checkTemplate),
 * and strict mode stays on underneath, so an unknown variable is an error instead of silent blank text.
 */
export function renderScript(body: string, context: ScriptContext): string {
  let template = compiled.get(body);
  if (!template) {
    checkTemplate(body);
    try {
      template = sandbox.compile(body, {
        strict: true,
        knownHelpersOnly: true,
        preventIndent: true,
        noEscape: true,
      });
    } catch (err) {
      throw parseProblem(body, (err as Error).message ?? String(err));
    }
  }
  try {
    const text = template(context, {
      allowProtoPropertiesByDefault: false,
      allowProtoMethodsByDefault: false,
    });
    if (compiled.size > 200) compiled.clear();
    compiled.set(body, template);
    return text;
  } catch (err) {
    compiled.delete(body);
    const message = (err as Error).message ?? String(err);
    const unknown = /^"([^"]+)" not defined/.exec(message);
    if (unknown) {
      throw new ScriptError('calls.script.unknownVariable', {
        name: unknown[1]!,
        line: /- (\d+):\d+/.exec(message)?.[1] ?? '?',
        allowed: SCRIPT_VARIABLES.join(', '),
      });
    }
    const line = /line (\d+)/.exec(message)?.[1] ?? '?';
    throw new ScriptError('calls.script.syntax', { line, detail: message.split('\n').at(-1)!.slice(0, 200) });
  }
}

/** Checks that every branch names a question that exists, so a caller is never sent nowhere. */
export function checkQuestions(raw: unknown): ScriptQuestion[] {
  const parsed = questionsSchema.safeParse(raw);
  if (!parsed.success) {
    const issue = parsed.error.issues[0]!;
    throw new ScriptError('calls.script.badQuestions', {
      detail: `${issue.path.join('.')}: ${issue.message}`,
    });
  }
  const ids = new Set(parsed.data.map((q) => q.id));
  for (const q of parsed.data) {
    for (const target of Object.values(q.next ?? {})) {
      if (target !== 'end' && !ids.has(target)) {
        throw new ScriptError('calls.script.unknownNextQuestion', { question: q.id, next: target });
      }
    }
  }
  return parsed.data;
}

function hindiWayDate(value: string | null, lang: Lang): string {
  const dt = fromDbTime(value);
  if (!dt || !dt.isValid) return '';
  return dt
    .setZone(IST)
    .setLocale(lang === 'hi' ? 'hi-IN' : 'en-IN')
    .toFormat('d MMMM yyyy');
}

/** The first sentence or two of a disposal report, short enough to read out. */
export function gistOf(report: string | null, max = 220): string {
  const text = (report ?? '').replace(/\s+/g, ' ').trim();
  if (text.length <= max) return text;
  const cut = text.slice(0, max);
  const stop = Math.max(cut.lastIndexOf('।'), cut.lastIndexOf('. '));
  return (stop > max / 2 ? cut.slice(0, stop + 1) : cut.replace(/\s+\S*$/, '')) + ' …';
}

const asScript = (row: ScriptRow): Script => ({
  ...row,
  questions: JSON.parse(row.questions) as ScriptQuestion[],
});

export class ScriptsService {
  constructor(
    private readonly db: Db,
    private readonly clock: Clock,
    private readonly audit: AuditLog,
  ) {}

  /** The latest version of a script in a language; the default script is written on first use. */
  async currentScript(language: Lang, name = DEFAULT_SCRIPT_NAME): Promise<Script> {
    const latest = await this.latest(this.db, name, language);
    if (latest) return asScript(latest);
    if (name !== DEFAULT_SCRIPT_NAME) throw notFound('calls.script.notFound', { name });
    await this.db('call_scripts')
      .insert({
        name,
        version: 1,
        language,
        body: DEFAULT_BODIES[language],
        questions: JSON.stringify(DEFAULT_QUESTIONS[language]),
        created_by: null,
        created_at: toDbTime(this.clock.now()),
      })
      .onConflict(['name', 'language', 'version'])
      .ignore();
    return asScript((await this.latest(this.db, name, language))!);
  }

  async scriptById(id: number): Promise<Script | null> {
    const row = (await this.db('call_scripts').where({ id }).first()) as ScriptRow | undefined;
    return row ? asScript(row) : null;
  }

  async versions(language: Lang, name = DEFAULT_SCRIPT_NAME) {
    return (await this.db('call_scripts as s')
      .leftJoin('users as u', 'u.id', 's.created_by')
      .where({ 's.name': name, 's.language': language })
      .orderBy('s.version', 'desc')
      .limit(20)
      .select('s.id', 's.version', 's.created_at', 'u.display_name as author')) as Array<{
      id: number;
      version: number;
      created_at: string;
      author: string | null;
    }>;
  }

  private latest(db: Knex, name: string, language: string): Promise<ScriptRow | undefined> {
    return db('call_scripts').where({ name, language }).orderBy('version', 'desc').first() as Promise<
      ScriptRow | undefined
    >;
  }

  /** What a script says about one complaint, read by one caller. */
  async contextFor(
    complaintId: number,
    caller: { displayName: string; designation: string | null; districtIds: number[] | 'all' },
    lang: Lang,
  ): Promise<ScriptContext> {
    const c = (await this.db('complaints as c')
      .join('departments as dep', 'dep.id', 'c.department_id')
      .join('districts as d', 'd.id', 'c.district_id')
      .where('c.id', complaintId)
      .first(
        'c.complainant_name',
        'c.reference_no',
        'c.subject',
        'c.received_at',
        'c.disposed_at',
        'c.disposal_report',
        'dep.name_hi as department_hi',
        'dep.name_en as department_en',
        'd.name_hi as district_hi',
        'd.name_en as district_en',
      )) as Record<string, string | null> | undefined;
    if (!c) throw notFound('calls.error.complaintNotFound');
    const district = (lang === 'hi' ? c.district_hi : c.district_en) ?? '';
    const office = caller.designation ? `${caller.designation}, ${district}` : district;
    return {
      complainantName: c.complainant_name ?? '',
      referenceNo: c.reference_no ?? '',
      department: (lang === 'hi' ? c.department_hi : c.department_en) ?? '',
      district,
      subject: c.subject ?? '',
      receivedOn: hindiWayDate(c.received_at ?? null, lang),
      disposedOn: hindiWayDate(c.disposed_at ?? null, lang),
      reportGist: gistOf(c.disposal_report ?? null),
      callerName: caller.displayName,
      callerOffice: office,
    };
  }

  /** The script for a caller's page: a broken template shows its error in place of the text, never a broken page. */
  async scriptForCall(
    complaintId: number,
    caller: { displayName: string; designation: string | null; districtIds: number[] | 'all' },
    lang: Lang,
  ): Promise<{ script: Script; text: string | null; error: ScriptError | null }> {
    const script = await this.currentScript(lang);
    const context = await this.contextFor(complaintId, caller, lang);
    try {
      return { script, text: renderScript(script.body, context), error: null };
    } catch (err) {
      if (err instanceof ScriptError) return { script, text: null, error: err };
      throw err;
    }
  }

  /** Saving an edit makes a new version; a template that does not render against the complaint is refused. */
  async saveScript(
    userId: number,
    input: { language: Lang; body: string; questions: unknown; complaintId: number },
    caller: { displayName: string; designation: string | null; districtIds: number[] | 'all' },
  ): Promise<Script> {
    const questions = this.check(input.body, input.questions);
    renderOrRefuse(input.body, await this.contextFor(input.complaintId, caller, input.language));
    const id = await this.db.transaction(async (trx) => {
      const latest = await this.latest(trx, DEFAULT_SCRIPT_NAME, input.language);
      const [newId] = await trx('call_scripts').insert({
        name: DEFAULT_SCRIPT_NAME,
        version: (latest?.version ?? 0) + 1,
        language: input.language,
        body: input.body,
        questions: JSON.stringify(questions),
        created_by: userId,
        created_at: toDbTime(this.clock.now()),
      });
      await this.audit.record(trx, {
        userId,
        action: 'script.saved',
        entity: 'call_script',
        entityId: newId as number,
        before: latest ? { id: latest.id, version: latest.version } : null,
        after: { version: (latest?.version ?? 0) + 1, language: input.language },
      });
      return newId as number;
    });
    return (await this.scriptById(id))!;
  }

  /** The editor's live preview: the text, or the problem as a 400 with what to fix. */
  async preview(
    input: { language: Lang; body: string; questions: unknown; complaintId: number },
    caller: { displayName: string; designation: string | null; districtIds: number[] | 'all' },
  ): Promise<{ text: string; questions: ScriptQuestion[] }> {
    const questions = this.check(input.body, input.questions);
    const text = renderOrRefuse(input.body, await this.contextFor(input.complaintId, caller, input.language));
    return { text, questions };
  }

  private check(body: string, questions: unknown): ScriptQuestion[] {
    if (body.length > 20_000) throw badRequest('calls.script.tooLong');
    try {
      return checkQuestions(typeof questions === 'string' ? parseQuestionsJson(questions) : questions);
    } catch (err) {
      if (err instanceof ScriptError) throw badRequest(err.key, err.params);
      throw err;
    }
  }
}

/** The editor sends the questions' text as typed when it is not JSON; say so instead of "expected array". */
function parseQuestionsJson(text: string): unknown {
  try {
    return JSON.parse(text);
  } catch (err) {
    throw new ScriptError('calls.script.questionsNotJson', { detail: (err as Error).message.slice(0, 160) });
  }
}

function renderOrRefuse(body: string, context: ScriptContext): string {
  try {
    return renderScript(body, context);
  } catch (err) {
    if (err instanceof ScriptError) throw badRequest(err.key, err.params);
    throw err;
  }
}

// Writes realistic IGRS-style exports (Hindi texts, mixed formats, chosen bad rows) for tests and benchmarks.
import fs from 'node:fs';
import { once } from 'node:events';
import ExcelJS from 'exceljs';
import { seededRandom, type Random } from '../../../shared/random.js';
import { DEPARTMENTS, DISTRICTS, type MasterEntry } from '../master-data.js';
import { columnSpec, type ColumnKey } from './columns.js';

export const BAD_ROW_KINDS = [
  'badDate',
  'badMobile',
  'landlineMobile',
  'missingReference',
  'missingMobile',
  'unknownDepartment',
  'unknownDistrict',
  'unknownStatus',
  'disposedBeforeReceived',
  'duplicateReference',
] as const;
export type BadRowKind = (typeof BAD_ROW_KINDS)[number];

export interface SyntheticExportOptions {
  rows: number;
  seed?: number | string;
  /** Share of rows (0–1) made bad, each with exactly one defect. */
  badShare?: number;
  /** Which defects to mix in, evenly; all of them by default. */
  badKinds?: readonly BadRowKind[];
  /** Taken from the file name (.xlsx) when not given. */
  format?: 'csv' | 'xlsx';
  /** Header language: Hindi, English, or a mix of aliases with odd spacing and punctuation. */
  headers?: 'hi' | 'en' | 'mixed';
  delimiter?: ',' | '\t';
  bom?: boolean;
  lineEnding?: '\r\n' | '\n';
  /** District codes the complaints belong to; Kanpur Nagar by default. */
  districts?: readonly string[];
  /** Disposal dates fall in this range (Asia/Kolkata days, ISO). */
  disposedFrom?: string;
  disposedTo?: string;
  /** Reference numbers are `40018000000000 + referenceStart + i`, independent of the seed, so two
   *  exports with different seeds describe the same complaints (a "newer export"). */
  referenceStart?: number;
  /** Add unknown columns (they must end up as extra data). */
  extraColumns?: boolean;
  /** Record the row number and kind of every bad row in the summary (memory grows with it). */
  collectBadRows?: boolean;
}

export interface SyntheticExportSummary {
  rows: number;
  goodRows: number;
  badRows: Record<BadRowKind, number>;
  badRowList?: { row: number; kind: BadRowKind }[];
  headers: string[];
}

// ---------------------------------------------------------------------------------------------------
// Word pools

const FIRST_NAMES = [
  'राम',
  'श्याम',
  'सीता',
  'गीता',
  'मोहन',
  'सोहन',
  'राधा',
  'कमला',
  'सुरेश',
  'रमेश',
  'महेश',
  'दिनेश',
  'राजेश',
  'सुनीता',
  'अनीता',
  'पूजा',
  'प्रियंका',
  'अमित',
  'सुमित',
  'रोहित',
  'मनोज',
  'संजय',
  'विजय',
  'अजय',
  'राकेश',
  'मुकेश',
  'शिव कुमार',
  'राम प्रकाश',
  'ओम प्रकाश',
  'जगदीश',
  'लक्ष्मी',
  'सावित्री',
  'शकुंतला',
  'मोहम्मद इरफान',
  'शबाना',
  'सलीम',
  'अब्दुल रहीम',
  'गुरप्रीत',
  'किशन लाल',
  'बृजेश',
  'नीरज',
  'पंकज',
  'आशा',
  'ऊषा',
  'कुसुम',
  'रामवती',
  'फूलमती',
  'रामेश्वर',
];
const SURNAMES = [
  'यादव',
  'शर्मा',
  'वर्मा',
  'सिंह',
  'गुप्ता',
  'मौर्य',
  'पाल',
  'कुशवाहा',
  'निषाद',
  'पासवान',
  'राठौर',
  'तिवारी',
  'मिश्रा',
  'शुक्ला',
  'दीक्षित',
  'अवस्थी',
  'कटियार',
  'सचान',
  'गौतम',
  'कनौजिया',
  'खान',
  'अंसारी',
  'कुरैशी',
  'प्रजापति',
  'लोधी',
  'राजपूत',
  'चौहान',
  'बाजपेई',
  'त्रिपाठी',
  'श्रीवास्तव',
];
const VILLAGES = [
  'रामपुर',
  'सरसौल',
  'बिठूर',
  'मंधना',
  'चौबेपुर',
  'शिवराजपुर',
  'ककवन',
  'बिधनू',
  'पतारा',
  'भीतरगांव',
  'नर्वल',
  'सजेती',
  'कुरसौली',
  'हाथीपुर',
  'देवीगंज',
  'मकनपुर',
  'रूरा',
  'अकबरपुर',
  'बिल्हौर',
  'उत्तरीपुरा',
  'गोपालपुर',
  'सेन पश्चिम पारा',
  'महाराजपुर',
  'कल्याणपुर खुर्द',
  'हरबंसपुर',
  'ईश्वरीगंज',
];
const TEHSILS = ['सदर', 'बिल्हौर', 'घाटमपुर', 'नर्वल', 'अकबरपुर', 'डेरापुर'];
const BLOCKS = [
  'कल्याणपुर',
  'बिल्हौर',
  'शिवराजपुर',
  'चौबेपुर',
  'ककवन',
  'सरसौल',
  'घाटमपुर',
  'पतारा',
  'भीतरगांव',
  'बिधनू',
];
const THANAS = [
  'कोतवाली',
  'कल्याणपुर',
  'बिल्हौर',
  'चकेरी',
  'घाटमपुर',
  'नौबस्ता',
  'किदवई नगर',
  'गोविंद नगर',
  'बर्रा',
  'पनकी',
  'रावतपुर',
  'स्वरूप नगर',
  'चौबेपुर',
  'बिधनू',
  'सजेती',
];
const SOURCES = [
  'IGRS पोर्टल',
  'मुख्यमंत्री हेल्पलाइन 1076',
  'मुख्यमंत्री कार्यालय',
  'जिलाधिकारी कार्यालय',
  'तहसील समाधान दिवस',
  'थाना समाधान दिवस',
  'CPGRAMS',
  'जन सेवा केंद्र',
];
const SUBJECTS: Record<string, string[]> = {
  revenue: ['भूमि पर अवैध कब्जा', 'खतौनी में नाम संशोधन', 'वरासत दर्ज न होना', 'चकमार्ग पर अतिक्रमण', 'पैमाइश न होना'],
  'municipal-corporation': [
    'नाली की सफाई न होना',
    'स्ट्रीट लाइट खराब',
    'कूड़ा न उठना',
    'सड़क पर जलभराव',
    'गृहकर में त्रुटि',
  ],
  electricity: ['बिजली बिल में गड़बड़ी', 'ट्रांसफार्मर खराब', 'नया कनेक्शन न मिलना', 'लटकते तार', 'मीटर खराब'],
  police: [
    'मारपीट की रिपोर्ट दर्ज न होना',
    'दबंगों द्वारा धमकी',
    'चोरी की घटना',
    'जमीनी विवाद में मारपीट',
    'दहेज उत्पीड़न',
  ],
  'basic-education': ['विद्यालय में शिक्षक न आना', 'मध्याह्न भोजन की गुणवत्ता', 'छात्रवृत्ति न मिलना'],
  'medical-health': ['अस्पताल में दवा न मिलना', 'एम्बुलेंस देर से आना', 'आयुष्मान कार्ड न बनना'],
  'food-civil-supplies': ['राशन कम मिलना', 'राशन कार्ड में नाम न जुड़ना', 'कोटेदार द्वारा अभद्रता'],
  'rural-development': [
    'आवास योजना का लाभ न मिलना',
    'मनरेगा मजदूरी का भुगतान न होना',
    'शौचालय की धनराशि न मिलना',
  ],
};
const GENERIC_SUBJECTS = [
  'शिकायत पर कार्यवाही न होना',
  'प्रार्थना पत्र पर सुनवाई न होना',
  'कर्मचारी द्वारा अभद्र व्यवहार',
];
const DESIGNATIONS: Record<string, string[]> = {
  revenue: ['तहसीलदार', 'उप जिलाधिकारी', 'नायब तहसीलदार'],
  police: ['थानाध्यक्ष', 'क्षेत्राधिकारी', 'प्रभारी निरीक्षक'],
  electricity: ['अधिशासी अभियंता', 'उपखंड अधिकारी'],
  'municipal-corporation': ['जोनल अधिकारी', 'अपर नगर आयुक्त'],
};
// Officers a district's department has to dispose of complaints (one for each tehsil and a few more).
const OFFICERS_PER_DEPARTMENT = 6;
const GENERIC_DESIGNATIONS = ['जिला स्तरीय अधिकारी', 'नोडल अधिकारी', 'सहायक निदेशक'];
const COMPLAINT_SENTENCES = [
  'प्रार्थी द्वारा पूर्व में भी कई बार प्रार्थना पत्र दिया गया, परंतु आज तक कोई कार्यवाही नहीं हुई है।',
  'संबंधित कर्मचारी द्वारा बार-बार टालमटोल किया जा रहा है तथा कार्यालय के चक्कर लगवाए जा रहे हैं।',
  'इस समस्या के कारण प्रार्थी का पूरा परिवार मानसिक और आर्थिक रूप से परेशान है।',
  'गांव के अन्य लोगों ने भी इस विषय में शिकायत की थी, किंतु उस पर भी ध्यान नहीं दिया गया।',
  'प्रार्थी गरीब व्यक्ति है और मजदूरी करके अपने परिवार का भरण-पोषण करता है।',
  'अतः श्रीमान जी से विनम्र निवेदन है कि प्रकरण की निष्पक्ष जांच कराकर उचित कार्यवाही करने की कृपा करें।',
  'मौके पर जाकर देखने से स्थिति स्पष्ट हो जाएगी, प्रार्थी हर प्रकार का सहयोग करने को तैयार है।',
  'यदि शीघ्र कार्यवाही नहीं की गई तो प्रार्थी को भारी नुकसान उठाना पड़ेगा।',
  'लेखपाल एवं संबंधित अधिकारी को कई बार मौखिक रूप से भी अवगत कराया गया है।',
  'विपक्षीगण दबंग किस्म के लोग हैं और प्रार्थी को लगातार धमकी दे रहे हैं।',
];
const REPORT_SENTENCES = [
  'प्रकरण की जांच हेतु स्थलीय निरीक्षण किया गया तथा शिकायतकर्ता से दूरभाष पर वार्ता की गई।',
  'शिकायतकर्ता का बयान दर्ज किया गया, जिसकी प्रति संलग्न है।',
  'मौके पर पाया गया कि शिकायत में उल्लिखित समस्या का निराकरण करा दिया गया है।',
  'संबंधित कर्मचारी को भविष्य में ऐसी पुनरावृत्ति न करने हेतु सचेत किया गया है।',
  'अभिलेखों के परीक्षण से ज्ञात हुआ कि प्रकरण माननीय न्यायालय में विचाराधीन है, अतः नियमानुसार कार्यवाही की जाएगी।',
  'शिकायतकर्ता को आवश्यक अभिलेख प्रस्तुत करने हेतु सूचित किया गया है।',
  'उभय पक्षों को सुनकर आपसी सहमति से विवाद का समाधान करा दिया गया है।',
  'जांच में शिकायत आंशिक रूप से सही पाई गई, दोषी कर्मचारी के विरुद्ध विभागीय कार्यवाही प्रस्तावित है।',
  'शिकायतकर्ता कार्यवाही से संतुष्ट है, अतः प्रकरण निस्तारित किए जाने की संस्तुति की जाती है।',
  'क्षेत्रीय लेखपाल एवं राजस्व निरीक्षक की संयुक्त टीम द्वारा पैमाइश कराई गई।',
];
const UNKNOWN_DEPARTMENTS = ['अंतरिक्ष अनुसंधान विभाग', 'Department of Magic', 'रेलवे बोर्ड'];
const UNKNOWN_DISTRICTS = ['पटना', 'Indore', 'गोथम नगर'];
const BAD_DATES = ['31/02/2025', '2025-13-01', 'कल', '15/15/2025 10:00', '01/01/1899'];
const BAD_MOBILES = ['12345', '98765 4321', '+1 202 555 0143', '99999999999999', 'नहीं है'];
const LANDLINES = ['0512 2345678', '0522-2612345', '05192 234567'];
const UNKNOWN_STATUSES = ['प्रतीक्षारत', 'Forwarded', 'उच्चीकृत'];
const STATUSES = ['निस्तारित', 'निस्तारित', 'निस्तारित', 'निस्तारित', 'Disposed', 'स्पेशल क्लोज', 'निस्तारित'];

/** Odd but valid spellings of headers, as hand-edited exports have them. */
const MIXED_HEADERS: Partial<Record<ColumnKey, string[]>> = {
  reference_no: ['शिकायत संख्या', 'संदर्भ  संख्या', 'Reference No.', 'REFERENCE_NO'],
  mobile: ['मोबाइल नंबर', ' Mobile_No. ', 'मो0 नं0', 'मोबाइल नम्बर'],
  disposed_at: ['निस्तारण तिथि', 'Disposal-Date', 'निस्तारण  दिनांक'],
  complainant_name: ['शिकायतकर्ता का नाम', 'Complainant  Name', 'आवेदक का नाम'],
  department: ['विभाग', 'Department Name', 'DEPARTMENT'],
  district: ['जनपद', 'District', 'जिला'],
  disposal_report: ['निस्तारण आख्या', 'Action Taken Report', 'आख्या'],
};

const EXPORT_COLUMNS: readonly ColumnKey[] = [
  'reference_no',
  'source',
  'received_at',
  'due_at',
  'disposed_at',
  'complainant_name',
  'mobile',
  'address',
  'district',
  'tehsil',
  'block',
  'thana',
  'department',
  'officer_name',
  'officer_designation',
  'subject',
  'complaint_text',
  'disposal_report',
  'status',
];
const EXTRA_HEADERS = ['फीडबैक स्थिति', 'L2 Officer', 'अभ्युक्ति'];

const DAY_MS = 86_400_000;
const REFERENCE_BASE = 40_018_000_000_000;
// About 2 KB of UTF-8 per row in all, most of it the two texts.
const COMPLAINT_TEXT_BYTES = 700;
const REPORT_TEXT_BYTES = 550;

type OutCell = string | number | Date;

interface Generated {
  cells: OutCell[];
  bad?: BadRowKind;
}

/** Writes the export, streaming to disk so a million rows take no more memory than ten. */
export async function writeSyntheticExport(
  filePath: string,
  options: SyntheticExportOptions,
): Promise<SyntheticExportSummary> {
  const format = options.format ?? (filePath.toLowerCase().endsWith('.xlsx') ? 'xlsx' : 'csv');
  const rng = seededRandom(options.seed ?? 1);
  const headers = chooseHeaders(rng, options.headers ?? 'mixed', options.extraColumns ?? true);
  const generator = createRowGenerator(rng, options, format);
  const summary: SyntheticExportSummary = {
    rows: 0,
    goodRows: 0,
    badRows: Object.fromEntries(BAD_ROW_KINDS.map((k) => [k, 0])) as Record<BadRowKind, number>,
    headers,
  };
  if (options.collectBadRows) summary.badRowList = [];
  const note = (row: Generated, rowNumber: number) => {
    summary.rows++;
    if (row.bad) {
      summary.badRows[row.bad]++;
      summary.badRowList?.push({ row: rowNumber, kind: row.bad });
    } else summary.goodRows++;
  };
  if (format === 'csv') await writeCsv(filePath, headers, options, generator, note);
  else await writeXlsx(filePath, headers, options, generator, note);
  return summary;
}

function chooseHeaders(rng: Random, style: 'hi' | 'en' | 'mixed', extraColumns: boolean): string[] {
  const headers = EXPORT_COLUMNS.map((key) => {
    const spec = columnSpec(key);
    if (style === 'hi') return spec.labelHi;
    if (style === 'en') return spec.labelEn;
    const odd = MIXED_HEADERS[key];
    return odd ? rng.pick(odd) : rng.chance(0.5) ? spec.labelHi : spec.labelEn;
  });
  return extraColumns ? [...headers, ...EXTRA_HEADERS] : headers;
}

function createRowGenerator(rng: Random, options: SyntheticExportOptions, format: 'csv' | 'xlsx') {
  const badShare = options.badShare ?? 0;
  const badKinds = options.badKinds ?? BAD_ROW_KINDS;
  const districts = pickEntries(DISTRICTS, options.districts ?? ['kanpur-nagar']);
  const from = Date.parse(`${options.disposedFrom ?? '2025-10-01'}T00:00:00Z`);
  const to = Date.parse(`${options.disposedTo ?? '2025-11-20'}T23:59:59Z`);
  const referenceStart = options.referenceStart ?? 0;
  const extraColumns = options.extraColumns ?? true;
  let lastGoodReference: string | undefined;
  // A district's complaints of one department go to the few officers of that department there (its
  // tehsildars, SDMs, station officers), as in real exports, which name a few thousand officers in all.
  const roster = new Map<string, { name: string; designation: string }[]>();
  const officersOf = (district: MasterEntry, department: MasterEntry) => {
    const key = `${district.code}/${department.code}`;
    let officers = roster.get(key);
    if (!officers) {
      officers = Array.from({ length: OFFICERS_PER_DEPARTMENT }, () => ({
        name: `${rng.pick(FIRST_NAMES)} ${rng.pick(SURNAMES)}`,
        designation: rng.pick(DESIGNATIONS[department.code] ?? GENERIC_DESIGNATIONS),
      }));
      roster.set(key, officers);
    }
    return officers;
  };

  return function generateRow(i: number): Generated {
    let bad: BadRowKind | undefined =
      rng.chance(badShare) && badKinds.length > 0 ? rng.pick(badKinds) : undefined;
    if (bad === 'duplicateReference' && lastGoodReference === undefined) bad = undefined;

    const district = rng.pick(districts);
    const department = rng.pick(DEPARTMENTS);
    const name = `${rng.pick(FIRST_NAMES)} ${rng.pick(SURNAMES)}`;
    const father = `${rng.pick(FIRST_NAMES)} ${rng.pick(SURNAMES)}`;
    const village = rng.pick(VILLAGES);
    const tehsil = rng.pick(TEHSILS);
    const subject = rng.pick(SUBJECTS[department.code] ?? GENERIC_SUBJECTS);
    const { name: officer, designation } = rng.pick(officersOf(district, department));

    // Wall-clock times in Kolkata, held as UTC fields (as XLSX cells hold them).
    const disposedWall = from + Math.floor(rng.next() * (to - from));
    const receivedWall = disposedWall - rng.int(1, 29) * DAY_MS - rng.int(0, 8 * 3600) * 1000;
    const dueWall = receivedWall + 30 * DAY_MS;
    const dateStyle = rng.int(0, 9);
    const mobileStyle = rng.int(0, 9);
    const mobile = String(7_000_000_000 + ((i * 7919 + rng.int(0, 99_999)) % 100_000));

    let reference = String(REFERENCE_BASE + referenceStart + i);
    let receivedCell: OutCell = dateCell(receivedWall, dateStyle, format);
    let disposedCell: OutCell = dateCell(disposedWall, dateStyle, format);
    let mobileCell: OutCell = mobileCellOf(mobile, mobileStyle, format);
    let districtCell = rng.chance(0.7) ? district.nameHi : district.nameEn;
    let departmentCell = rng.chance(0.7)
      ? department.nameHi
      : rng.pick([department.nameEn, ...department.aliases]);
    let statusCell = rng.pick(STATUSES);
    const badPick = rng.int(0, 99);

    switch (bad) {
      case 'badDate':
        if (badPick % 2 === 0) disposedCell = BAD_DATES[badPick % BAD_DATES.length];
        else receivedCell = BAD_DATES[badPick % BAD_DATES.length];
        break;
      case 'badMobile':
        mobileCell = BAD_MOBILES[badPick % BAD_MOBILES.length];
        break;
      case 'landlineMobile':
        mobileCell = LANDLINES[badPick % LANDLINES.length];
        break;
      case 'missingReference':
        reference = '';
        break;
      case 'missingMobile':
        mobileCell = '';
        break;
      case 'unknownDepartment':
        departmentCell = UNKNOWN_DEPARTMENTS[badPick % UNKNOWN_DEPARTMENTS.length];
        break;
      case 'unknownDistrict':
        districtCell = UNKNOWN_DISTRICTS[badPick % UNKNOWN_DISTRICTS.length];
        break;
      case 'unknownStatus':
        statusCell = UNKNOWN_STATUSES[badPick % UNKNOWN_STATUSES.length];
        break;
      case 'disposedBeforeReceived':
        receivedCell = dateCell(disposedWall + rng.int(2, 20) * DAY_MS, dateStyle, format);
        break;
      case 'duplicateReference':
        reference = lastGoodReference!;
        break;
    }
    if (!bad) lastGoodReference = reference;

    const address = `ग्राम ${village}, पोस्ट ${rng.pick(VILLAGES)}, तहसील ${tehsil}, जनपद ${district.nameHi}`;
    const opening =
      `सेवा में, श्रीमान जिलाधिकारी महोदय, जनपद ${district.nameHi}। विषय: ${subject} के संबंध में। ` +
      `महोदय, निवेदन है कि प्रार्थी ${name} पुत्र/पत्नी श्री ${father}, ${address} का निवासी है।`;
    const complaintText = fillText(rng, opening, COMPLAINT_SENTENCES, COMPLAINT_TEXT_BYTES, ' ');
    const reportOpening = `प्रकरण ${subject} से संबंधित है। जांच ${designation} ${tehsil} द्वारा की गई।`;
    // A third of the reports are written in paragraphs, so cells carry line breaks.
    const report = fillText(
      rng,
      reportOpening,
      REPORT_SENTENCES,
      REPORT_TEXT_BYTES,
      rng.chance(0.33) ? '\n' : ' ',
    );

    const cells: OutCell[] = [
      reference,
      rng.pick(SOURCES),
      receivedCell,
      dateCell(dueWall, dateStyle, format),
      disposedCell,
      name,
      mobileCell,
      address,
      districtCell,
      tehsil,
      rng.pick(BLOCKS),
      rng.pick(THANAS),
      departmentCell,
      officer,
      designation,
      subject,
      complaintText,
      report,
      statusCell,
    ];
    if (extraColumns)
      cells.push(rng.chance(0.5) ? 'लंबित' : '', `${rng.pick(FIRST_NAMES)} ${rng.pick(SURNAMES)}`, '');
    return { cells, bad };
  };
}

function pickEntries(entries: readonly MasterEntry[], codes: readonly string[]): MasterEntry[] {
  return codes.map((code) => {
    const entry = entries.find((e) => e.code === code);
    if (!entry) throw new Error(`Unknown district code for a synthetic export: ${code}`);
    return entry;
  });
}

function fillText(
  rng: Random,
  opening: string,
  pool: readonly string[],
  bytes: number,
  joiner: string,
): string {
  const parts = [opening];
  let size = Buffer.byteLength(opening);
  while (size < bytes) {
    const sentence = rng.pick(pool);
    parts.push(sentence);
    size += Buffer.byteLength(sentence) + 1;
  }
  return parts.join(joiner);
}

const pad2 = (n: number) => (n < 10 ? `0${n}` : String(n));
const DEVANAGARI_DIGITS = '०१२३४५६७८९';
const toDevanagari = (text: string) => text.replace(/[0-9]/g, (d) => DEVANAGARI_DIGITS[+d]);

/** A date in one of the forms exports use; XLSX mostly gets real date cells. */
function dateCell(wallMs: number, style: number, format: 'csv' | 'xlsx'): OutCell {
  const t = new Date(Math.floor(wallMs / 60_000) * 60_000);
  if (format === 'xlsx' && style < 6) return t;
  const dd = pad2(t.getUTCDate());
  const mm = pad2(t.getUTCMonth() + 1);
  const yyyy = t.getUTCFullYear();
  const time = `${pad2(t.getUTCHours())}:${pad2(t.getUTCMinutes())}`;
  switch (style) {
    case 0:
    case 1:
    case 2:
      return `${dd}/${mm}/${yyyy} ${time}`;
    case 3:
      return `${dd}-${mm}-${yyyy} ${time}`;
    case 4:
      return `${dd}/${mm}/${yyyy}`;
    case 5:
      return `${yyyy}-${mm}-${dd}T${time}:00`;
    case 6:
      return toDevanagari(`${dd}/${mm}/${yyyy}`);
    case 7:
      return `${dd}-${mm}-${yyyy}`;
    case 8:
      // An Excel serial, as a date column formatted "General" shows it.
      return String(Math.round((wallMs / DAY_MS + 25569) * 1_000_000) / 1_000_000);
    default:
      return `${dd}/${mm}/${yyyy} ${time}:00`;
  }
}

function mobileCellOf(tenDigits: string, style: number, format: 'csv' | 'xlsx'): OutCell {
  switch (style) {
    case 0:
      return `+91 ${tenDigits.slice(0, 5)} ${tenDigits.slice(5)}`;
    case 1:
      return `0${tenDigits}`;
    case 2:
      return `91-${tenDigits.slice(0, 5)}-${tenDigits.slice(5)}`;
    case 3:
      return `+91${tenDigits}`;
    case 4:
      return toDevanagari(tenDigits);
    case 5:
      return format === 'xlsx' ? Number(tenDigits) : tenDigits;
    default:
      return tenDigits;
  }
}

// ---------------------------------------------------------------------------------------------------
// Writers

const NEEDS_QUOTES = /[",\t\r\n]/;
const QUOTE = /"/g;

function csvField(value: OutCell): string {
  const text = value instanceof Date ? value.toISOString() : String(value);
  return NEEDS_QUOTES.test(text) ? `"${text.replace(QUOTE, '""')}"` : text;
}

async function writeCsv(
  filePath: string,
  headers: string[],
  options: SyntheticExportOptions,
  generateRow: (i: number) => Generated,
  note: (row: Generated, rowNumber: number) => void,
): Promise<void> {
  const delimiter = options.delimiter ?? ',';
  const eol = options.lineEnding ?? '\r\n';
  const out = fs.createWriteStream(filePath, { highWaterMark: 1 << 20 });
  const finished = once(out, 'finish');
  let chunk = ((options.bom ?? true) ? '\ufeff' : '') + headers.map(csvField).join(delimiter) + eol;
  for (let i = 0; i < options.rows; i++) {
    const row = generateRow(i);
    note(row, i + 2);
    chunk += row.cells.map(csvField).join(delimiter) + eol;
    if (chunk.length >= 256 * 1024) {
      if (!out.write(chunk)) await once(out, 'drain');
      chunk = '';
    }
  }
  out.end(chunk);
  await finished;
}

interface BufferedWritable {
  _writableState?: { length: number };
  once(event: 'drain', listener: () => void): unknown;
}

/**
 * exceljs' streaming writer pushes committed rows into the zip without waiting for it (its StreamBuf
 * ignores backpressure), so a fast producer piles rows up in memory. We wait for the zip's input
 * to drain instead (200k rows: 750 MB peak without this, 170 MB with it). `stream.pipes` and
 * `_writableState` are exceljs/readable-stream internals; if they change we only yield, as before.
 */
async function zipCaughtUp(sheet: ExcelJS.Worksheet): Promise<void> {
  const pipe = (sheet as unknown as { stream?: { pipes?: BufferedWritable[] } }).stream?.pipes?.[0];
  const state = pipe?._writableState;
  if (pipe && state && state.length > 4 * 1024 * 1024) {
    await new Promise<void>((resolve) => pipe.once('drain', resolve));
  } else await new Promise((resolve) => setImmediate(resolve));
}

async function writeXlsx(
  filePath: string,
  headers: string[],
  options: SyntheticExportOptions,
  generateRow: (i: number) => Generated,
  note: (row: Generated, rowNumber: number) => void,
): Promise<void> {
  const workbook = new ExcelJS.stream.xlsx.WorkbookWriter({
    filename: filePath,
    useStyles: true,
    useSharedStrings: false,
  });
  const sheet = workbook.addWorksheet('निस्तारित शिकायतें');
  sheet.addRow(headers).commit();
  for (let i = 0; i < options.rows; i++) {
    const row = generateRow(i);
    note(row, i + 2);
    const added = sheet.addRow(row.cells);
    row.cells.forEach((value, index) => {
      if (value instanceof Date) added.getCell(index + 1).numFmt = 'dd/mm/yyyy hh:mm';
    });
    added.commit();
    if (i % 200 === 199) await zipCaughtUp(sheet);
  }
  sheet.commit();
  await workbook.commit();
}

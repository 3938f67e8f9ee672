// The canonical columns of an IGRS export and the English/Hindi headers that name them.
import { matchKey } from './normalise.js';

export type ColumnKey =
  | 'reference_no'
  | 'source'
  | 'received_at'
  | 'due_at'
  | 'disposed_at'
  | 'complainant_name'
  | 'mobile'
  | 'address'
  | 'district'
  | 'tehsil'
  | 'block'
  | 'thana'
  | 'department'
  | 'officer_name'
  | 'officer_designation'
  | 'subject'
  | 'complaint_text'
  | 'disposal_report'
  | 'status';

export interface ColumnSpec {
  key: ColumnKey;
  /** The header we write ourselves (sample files, error reports). */
  labelEn: string;
  labelHi: string;
  /** A file without this column is refused whole; a row with it empty is rejected. */
  required: boolean;
  aliases: readonly string[];
}

const column = (
  key: ColumnKey,
  labelEn: string,
  labelHi: string,
  required: boolean,
  aliases: string[] = [],
): ColumnSpec => ({ key, labelEn, labelHi, required, aliases });

// Required: what the desk cannot work without. The reference identifies the complaint (and makes a
// re-import an update), the disposal date places it in a session's fortnight, the mobile is who we
// call, and district + department decide whose sample it falls into and who answers for the report.
export const COLUMNS: readonly ColumnSpec[] = [
  column('reference_no', 'Reference No', 'शिकायत संख्या', true, [
    'Reference Number',
    'Ref No',
    'Reference',
    'Reference ID',
    'Complaint No',
    'Complaint Number',
    'Complaint ID',
    'Grievance No',
    'Grievance ID',
    'Sandarbh Sankhya',
    'Application No',
    'संदर्भ संख्या',
    'संदर्भ सं',
    'शिकायत सं',
    'शिकायत क्रमांक',
    'संदर्भ क्रमांक',
    'सन्दर्भ',
  ]),
  column('source', 'Source', 'स्रोत', false, [
    'Complaint Source',
    'Source of Complaint',
    'Channel',
    'Mode',
    'शिकायत का स्रोत',
    'माध्यम',
    'शिकायत का माध्यम',
    'प्राप्ति का माध्यम',
    'प्राप्ति स्रोत',
  ]),
  column('received_at', 'Received Date', 'प्राप्ति तिथि', false, [
    'Date of Receipt',
    'Receipt Date',
    'Received On',
    'Registration Date',
    'Complaint Date',
    'Date of Complaint',
    'शिकायत प्राप्ति तिथि',
    'प्राप्ति दिनांक',
    'पंजीकरण तिथि',
    'पंजीकरण दिनांक',
    'शिकायत दिनांक',
    'शिकायत तिथि',
    'दर्ज करने की तिथि',
  ]),
  column('due_at', 'Due Date', 'नियत तिथि', false, [
    'Last Date',
    'Target Date',
    'Due On',
    'Deadline',
    'निस्तारण की अंतिम तिथि',
    'अंतिम तिथि',
    'नियत दिनांक',
    'समय सीमा',
    'निर्धारित तिथि',
  ]),
  column('disposed_at', 'Disposal Date', 'निस्तारण तिथि', true, [
    'Date of Disposal',
    'Disposed On',
    'Disposed Date',
    'Disposal On',
    'निस्तारण दिनांक',
    'निस्तारण की तिथि',
    'निस्तारित तिथि',
    'निस्तारण का दिनांक',
  ]),
  column('complainant_name', 'Complainant Name', 'शिकायतकर्ता का नाम', false, [
    'Name of Complainant',
    'Complainant',
    'Applicant Name',
    'Applicant',
    'Citizen Name',
    'Name',
    'शिकायतकर्ता',
    'शिकायतकर्ता नाम',
    'आवेदक का नाम',
    'आवेदक',
    'नाम',
  ]),
  column('mobile', 'Mobile No', 'मोबाइल नंबर', true, [
    'Mobile',
    'Mobile Number',
    'Mobile No of Complainant',
    'Contact No',
    'Contact Number',
    'Phone',
    'Phone No',
    'Phone Number',
    'मोबाइल',
    'मोबाइल नम्बर',
    'मोबाइल संख्या',
    'मोबाइल न0',
    'मोबाइल नं0',
    'मो0 नं0',
    'मो0',
    'शिकायतकर्ता का मोबाइल नंबर',
    'संपर्क नंबर',
    'दूरभाष',
  ]),
  column('address', 'Address', 'पता', false, [
    'Complainant Address',
    'Address of Complainant',
    'शिकायतकर्ता का पता',
    'आवेदक का पता',
  ]),
  column('district', 'District', 'जनपद', true, ['District Name', 'जिला', 'जनपद का नाम', 'जिले का नाम']),
  column('tehsil', 'Tehsil', 'तहसील', false, ['Tahsil', 'Tehsil Name', 'तहसील का नाम']),
  column('block', 'Block', 'विकास खंड', false, ['Development Block', 'Block Name', 'ब्लॉक', 'ब्लाक', 'विकासखंड']),
  column('thana', 'Police Station', 'थाना', false, [
    'Thana',
    'PS',
    'Police Station Name',
    'थाने का नाम',
    'पुलिस स्टेशन',
  ]),
  column('department', 'Department', 'विभाग', true, [
    'Department Name',
    'Dept',
    'विभाग का नाम',
    'संबंधित विभाग',
  ]),
  column('officer_name', 'Officer Name', 'अधिकारी का नाम', false, [
    'Officer',
    'L1 Officer',
    'L1 Officer Name',
    'Disposing Officer',
    'Name of Officer',
    'अधिकारी',
    'निस्तारणकर्ता अधिकारी',
    'संबंधित अधिकारी',
    'एल1 अधिकारी',
  ]),
  column('officer_designation', 'Officer Designation', 'अधिकारी का पदनाम', false, [
    'Designation',
    'Designation of Officer',
    'पदनाम',
  ]),
  column('subject', 'Subject', 'विषय', false, [
    'Complaint Subject',
    'Subject of Complaint',
    'शिकायत का विषय',
  ]),
  column('complaint_text', 'Complaint Details', 'शिकायत का विवरण', false, [
    'Complaint',
    'Complaint Text',
    'Complaint Description',
    'Description',
    'Grievance',
    'Grievance Details',
    'शिकायत',
    'शिकायत विवरण',
    'विवरण',
    'शिकायत का सार',
  ]),
  column('disposal_report', 'Disposal Report', 'निस्तारण आख्या', false, [
    'Action Taken Report',
    'ATR',
    'Disposal Remarks',
    'Report',
    'आख्या',
    'निस्तारण रिपोर्ट',
    'कृत कार्यवाही',
    'अंतिम आख्या',
    'निस्तारण विवरण',
  ]),
  column('status', 'Status', 'स्थिति', false, [
    'Complaint Status',
    'Current Status',
    'शिकायत की स्थिति',
    'वर्तमान स्थिति',
  ]),
];

export const REQUIRED_COLUMNS: readonly ColumnKey[] = COLUMNS.filter((c) => c.required).map((c) => c.key);

const COLUMN_BY_KEY = new Map<ColumnKey, ColumnSpec>(COLUMNS.map((c) => [c.key, c]));

export function columnSpec(key: ColumnKey): ColumnSpec {
  return COLUMN_BY_KEY.get(key)!;
}

/** Every spelling of every column, keyed by matchKey; built once. */
const KEY_BY_HEADER: ReadonlyMap<string, ColumnKey> = (() => {
  const map = new Map<string, ColumnKey>();
  for (const spec of COLUMNS) {
    for (const name of [spec.key, spec.labelEn, spec.labelHi, ...spec.aliases]) {
      const k = matchKey(name);
      const taken = map.get(k);
      if (taken && taken !== spec.key)
        throw new Error(`Header alias "${name}" names both ${taken} and ${spec.key}`);
      map.set(k, spec.key);
    }
  }
  return map;
})();

/** The canonical column a header names, if any ("मोबाइल  नं.", "Mobile_No" → mobile). */
export function columnForHeader(header: string): ColumnKey | undefined {
  return KEY_BY_HEADER.get(matchKey(header));
}

export interface HeaderMapping {
  /** Canonical column → the header as written in the file. */
  columns: Partial<Record<ColumnKey, string>>;
  /** Headers we do not know; their values are kept on the complaint as extra data. */
  extras: string[];
  /** Required columns the file lacks. */
  missing: ColumnKey[];
  /**
   * Columns named by more than one header (e.g. "Mobile" and "मोबाइल नंबर"). The first header is
   * used; the later ones are kept with the extras so nothing is lost, and the importer warns.
   */
  duplicates: { column: ColumnKey; headers: string[] }[];
}

export function mapHeaders(headers: readonly string[]): HeaderMapping {
  const columns: Partial<Record<ColumnKey, string>> = {};
  const seen = new Map<ColumnKey, string[]>();
  const extras: string[] = [];
  for (const header of headers) {
    const key = columnForHeader(header);
    if (key === undefined) {
      extras.push(header);
      continue;
    }
    const list = seen.get(key);
    if (list) {
      list.push(header);
      extras.push(header);
    } else {
      seen.set(key, [header]);
      columns[key] = header;
    }
  }
  const duplicates = [...seen]
    .filter(([, list]) => list.length > 1)
    .map(([column, list]) => ({ column, headers: list }));
  const missing = REQUIRED_COLUMNS.filter((key) => columns[key] === undefined);
  return { columns, extras, missing, duplicates };
}

/**
 * Whether a row of cells looks like the header row: at least three known columns. Lets an export
 * with a title line or two above the table be read without editing it first.
 */
export function looksLikeHeaderRow(cells: readonly string[]): boolean {
  let known = 0;
  for (const cell of cells) if (cell && columnForHeader(cell) !== undefined && ++known >= 3) return true;
  return false;
}

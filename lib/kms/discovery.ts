// SPDX-License-Identifier: MIT
/**
 * KMS discovery: the device's connectors, encoders, CRTCs and planes with
 * their properties, as plain objects (JSON-able except the few u64 values
 * that do not fit a number, which are bigints).
 * @module
 */
import { assertInstance } from '../args.js';
import { check } from '../errors.js';
import { native } from '../native.js';
import { fourccName, modifierName } from './fourcc.js';
import { type DisplayMode, decodeMode, decodeModes } from './mode.js';
import { type KmsProperty, ObjectType, type PropertyTable } from './properties.js';

/** A connector's drm_mode_get_connector.connection: whether a sink is attached (DRM_MODE_CONNECTED, _DISCONNECTED, _UNKNOWNCONNECTION). */
export type ConnectorStatus = 'connected' | 'disconnected' | 'unknown';
/** A plane's immutable `type` property (DRM_PLANE_TYPE_PRIMARY, _OVERLAY, _CURSOR). */
export type PlaneType = 'primary' | 'overlay' | 'cursor';

/** A connector (DRM_IOCTL_MODE_GETCONNECTOR): a display output, such as an HDMI port or a writeback sink. */
export interface KmsConnector {
  /** The connector's KMS object id (connector_id). */
  id: number;
  /** The kernel's name: type name + '-' + typeId, e.g. `'Virtual-1'`, `'HDMI-A-2'`, `'Writeback-1'`. */
  name: string;
  /** The connector type's name (`'Virtual'`, `'HDMI-A'`, `'Writeback'`…). */
  type: string;
  /** connector_type_id: its number among connectors of the same type, from 1. */
  typeId: number;
  /** Whether a display is attached, as last probed. */
  status: ConnectorStatus;
  /** Millimetres, 0 when unknown. */
  physicalSize: {
    /** mm_width: the display's width in millimetres. */
    widthMm: number;
    /** mm_height: the display's height in millimetres. */
    heightMm: number;
  };
  /** The subpixel order (enum subpixel_order): `'Unknown'`, `'HorizontalRGB'`, `'HorizontalBGR'`, `'VerticalRGB'`, `'VerticalBGR'` or `'None'`. */
  subpixel: string;
  /** The modes the connector reports (from EDID or the driver), in the kernel's order. */
  modes: DisplayMode[];
  /** The encoder driving it now, 0 for none. */
  encoderId: number;
  /** Ids of the encoders that can drive this connector. */
  encoders: number[];
  /** CRTC ids any of its encoders can be driven by. */
  possibleCrtcs: number[];
  /** A writeback connector (needs the WRITEBACK_CONNECTORS client cap to be listed). */
  writeback: boolean;
  /** For writeback connectors: the formats it can write (WRITEBACK_PIXEL_FORMATS). */
  writebackFormats?: string[];
  /** The connector's properties with their current values (DRM_MODE_OBJECT_CONNECTOR). */
  properties: KmsProperty[];
}

/** An encoder (DRM_IOCTL_MODE_GETENCODER): the stage between a CRTC and its connectors. */
export interface KmsEncoder {
  /** The encoder's KMS object id (encoder_id). */
  id: number;
  /** The encoder type's name (DRM_MODE_ENCODER_*: `'TMDS'`, `'Virtual'`, `'DPMST'`…). */
  type: string;
  /** The CRTC driving it now, 0 for none. */
  crtcId: number;
  /** CRTC ids that can drive it (decoded from the possible_crtcs mask). */
  possibleCrtcs: number[];
  /** The raw possible_clones mask: bit i set means it can share a CRTC with the i-th encoder of the resource list. */
  possibleClones: number;
}

/** A CRTC (DRM_IOCTL_MODE_GETCRTC): the scanout engine that composes planes and generates a display mode's timings. */
export interface KmsCrtc {
  /** The CRTC's KMS object id (crtc_id). */
  id: number;
  /** Its position in the resource list: bit `index` of possible_crtcs masks. */
  index: number;
  /** The ACTIVE property (a CRTC can hold a mode while inactive). */
  active: boolean;
  /** The mode set on it, null when mode_valid is 0. */
  mode: DisplayMode | null;
  /** The primary plane's framebuffer id, 0 for none. */
  fbId: number;
  /** gamma_size: entries in the legacy gamma lookup table, 0 when it has none. */
  gammaSize: number;
  /** The CRTC's properties with their current values (DRM_MODE_OBJECT_CRTC). */
  properties: KmsProperty[];
}

/** One format of a plane's IN_FORMATS blob with the modifiers it can be scanned out with. */
export interface FormatModifiers {
  /** The FourCC name, e.g. `'XR24'`. */
  format: string;
  /** `'LINEAR'`, `'INVALID'` or `0x`-prefixed hex (see `toModifier`). */
  modifiers: string[];
}

/** A plane (DRM_IOCTL_MODE_GETPLANE): a framebuffer source a CRTC composes. */
export interface KmsPlane {
  /** The plane's KMS object id (plane_id). */
  id: number;
  /** Primary, overlay or cursor, from its `type` property (overlay when the property is missing). */
  type: PlaneType;
  /** CRTC ids it can be attached to (decoded from the possible_crtcs mask). */
  possibleCrtcs: number[];
  /** The CRTC it is attached to now, 0 for none. */
  crtcId: number;
  /** The framebuffer it shows now, 0 for none. */
  fbId: number;
  /** FourCC names, e.g. `'XR24'`. */
  formats: string[];
  /** The same codes as u32 numbers. */
  formatCodes: number[];
  /** From IN_FORMATS: which modifiers each format takes (absent when the driver has no IN_FORMATS). */
  inFormats?: FormatModifiers[];
  /** The plane's properties with their current values (DRM_MODE_OBJECT_PLANE). */
  properties: KmsProperty[];
}

/** Every KMS object of a device, as returned by `Kms.discover()`. */
export interface KmsResources {
  /** The connectors, in DRM_IOCTL_MODE_GETRESOURCES order. */
  connectors: KmsConnector[];
  /** The encoders, in DRM_IOCTL_MODE_GETRESOURCES order. */
  encoders: KmsEncoder[];
  /** The CRTCs, in DRM_IOCTL_MODE_GETRESOURCES order (the order of possible_crtcs bits). */
  crtcs: KmsCrtc[];
  /** The planes, universal ones included (DRM_IOCTL_MODE_GETPLANERESOURCES). */
  planes: KmsPlane[];
  /** Framebuffer size limits, in pixels (drm_mode_card_res). */
  limits: {
    /** min_width: the narrowest framebuffer the device accepts. */
    minWidth: number;
    /** max_width: the widest framebuffer the device accepts. */
    maxWidth: number;
    /** min_height: the shortest framebuffer the device accepts. */
    minHeight: number;
    /** max_height: the tallest framebuffer the device accepts. */
    maxHeight: number;
  };
}

// drm_connector.c's drm_connector_enum_list, by DRM_MODE_CONNECTOR_* value.
const CONNECTOR_TYPES = [
  'Unknown', 'VGA', 'DVI-I', 'DVI-D', 'DVI-A', 'Composite', 'SVIDEO', 'LVDS', 'Component', 'DIN', 'DP',
  'HDMI-A', 'HDMI-B', 'TV', 'eDP', 'Virtual', 'DSI', 'DPI', 'Writeback', 'SPI', 'USB',
];
const WRITEBACK = 18;
const ENCODER_TYPES = ['None', 'DAC', 'TMDS', 'LVDS', 'TVDAC', 'Virtual', 'DSI', 'DPMST', 'DPI'];
const SUBPIXEL = ['Unknown', 'HorizontalRGB', 'HorizontalBGR', 'VerticalRGB', 'VerticalBGR', 'None'];
const STATUS: Record<number, ConnectorStatus> = { 1: 'connected', 2: 'disconnected', 3: 'unknown' };

/** What discovery needs from the device. */
export interface KmsContext {
  fd(): number;
  path: string;
  props: PropertyTable;
}

const ioctl = (ctx: KmsContext, request: string) => ({ syscall: 'ioctl', request, path: ctx.path });

/** Bit i of a possible_crtcs mask is the i-th CRTC of GETRESOURCES. */
function crtcsOf(mask: number, crtcIds: number[]): number[] {
  return crtcIds.filter((_, i) => (mask >>> i) & 1);
}

function blob(ctx: KmsContext, id: number | bigint): Buffer | undefined {
  if (!id) return undefined;
  return check(native.kmsGetPropBlob(ctx.fd(), Number(id)), ioctl(ctx, 'DRM_IOCTL_MODE_GETPROPBLOB'));
}

/**
 * Decodes a drm_format_modifier_blob (IN_FORMATS, version 1).
 * @throws {TypeError} `bytes` is not a Buffer
 * @throws {RangeError} a count or offset points past the end of `bytes`
 */
export function decodeInFormats(bytes: Buffer): FormatModifiers[] {
  assertInstance('bytes', bytes, Buffer);
  const countFormats = bytes.readUInt32LE(8);
  const formatsOffset = bytes.readUInt32LE(12);
  const countModifiers = bytes.readUInt32LE(16);
  const modifiersOffset = bytes.readUInt32LE(20);
  const formats: FormatModifiers[] = [];
  for (let i = 0; i < countFormats; i++) formats.push({ format: fourccName(bytes.readUInt32LE(formatsOffset + 4 * i)), modifiers: [] });
  for (let m = 0; m < countModifiers; m++) {
    const at = modifiersOffset + 24 * m;
    const mask = bytes.readBigUInt64LE(at);
    const offset = bytes.readUInt32LE(at + 8);
    const name = modifierName(bytes.readBigUInt64LE(at + 16));
    // Each entry covers 64 formats starting at `offset`.
    for (let bit = 0; bit < 64; bit++) {
      if ((mask >> BigInt(bit)) & 1n) formats[offset + bit]?.modifiers.push(name);
    }
  }
  return formats;
}

const valueOf = (props: KmsProperty[], name: string): number | bigint | undefined => props.find((p) => p.name === name)?.value;

/** Reads every KMS object of the device. */
export function discover(ctx: KmsContext): KmsResources {
  const res = check(native.kmsGetResources(ctx.fd()), ioctl(ctx, 'DRM_IOCTL_MODE_GETRESOURCES'));
  const planeIds = check(native.kmsGetPlaneResources(ctx.fd()), ioctl(ctx, 'DRM_IOCTL_MODE_GETPLANERESOURCES'));
  const encoders = res.encoders.map((id): KmsEncoder => {
    const e = check(native.kmsGetEncoder(ctx.fd(), id), ioctl(ctx, 'DRM_IOCTL_MODE_GETENCODER'));
    return {
      id,
      type: ENCODER_TYPES[e.type] ?? `type ${e.type}`,
      crtcId: e.crtcId,
      possibleCrtcs: crtcsOf(e.possibleCrtcs, res.crtcs),
      possibleClones: e.possibleClones,
    };
  });
  const connectors = res.connectors.map((id) => connector(ctx, id, encoders));
  const crtcs = res.crtcs.map((id, index): KmsCrtc => {
    const c = check(native.kmsGetCrtc(ctx.fd(), id), ioctl(ctx, 'DRM_IOCTL_MODE_GETCRTC'));
    const properties = ctx.props.read(id, ObjectType.CRTC);
    return {
      id,
      index,
      active: Boolean(valueOf(properties, 'ACTIVE') ?? c.modeValid),
      mode: c.modeValid ? decodeMode(c.mode) : null,
      fbId: c.fbId,
      gammaSize: c.gammaSize,
      properties,
    };
  });
  const planes = planeIds.map((id) => plane(ctx, id, res.crtcs));
  const { minWidth, maxWidth, minHeight, maxHeight } = res;
  return { connectors, encoders, crtcs, planes, limits: { minWidth, maxWidth, minHeight, maxHeight } };
}

function connector(ctx: KmsContext, id: number, encoders: KmsEncoder[]): KmsConnector {
  const c = check(native.kmsGetConnector(ctx.fd(), id), ioctl(ctx, 'DRM_IOCTL_MODE_GETCONNECTOR'));
  const type = CONNECTOR_TYPES[c.type] ?? `type${c.type}`;
  const properties = ctx.props.read(id, ObjectType.CONNECTOR);
  const possible = new Set(encoders.filter((e) => c.encoders.includes(e.id)).flatMap((e) => e.possibleCrtcs));
  const out: KmsConnector = {
    id,
    name: `${type}-${c.typeId}`,
    type,
    typeId: c.typeId,
    status: STATUS[c.connection] ?? 'unknown',
    physicalSize: { widthMm: c.mmWidth, heightMm: c.mmHeight },
    subpixel: SUBPIXEL[c.subpixel] ?? `${c.subpixel}`,
    modes: decodeModes(c.modes),
    encoderId: c.encoderId,
    encoders: c.encoders,
    possibleCrtcs: [...possible].sort((a, b) => a - b),
    writeback: c.type === WRITEBACK,
    properties,
  };
  if (out.writeback) {
    const formats = blob(ctx, valueOf(properties, 'WRITEBACK_PIXEL_FORMATS') ?? 0);
    if (formats) out.writebackFormats = Array.from({ length: formats.length / 4 }, (_, i) => fourccName(formats.readUInt32LE(4 * i)));
  }
  return out;
}

function plane(ctx: KmsContext, id: number, crtcIds: number[]): KmsPlane {
  const p = check(native.kmsGetPlane(ctx.fd(), id), ioctl(ctx, 'DRM_IOCTL_MODE_GETPLANE'));
  const properties = ctx.props.read(id, ObjectType.PLANE);
  const typeName = properties.find((q) => q.name === 'type')?.valueName;
  const out: KmsPlane = {
    id,
    type: typeof typeName === 'string' ? (typeName.toLowerCase() as PlaneType) : 'overlay',
    possibleCrtcs: crtcsOf(p.possibleCrtcs, crtcIds),
    crtcId: p.crtcId,
    fbId: p.fbId,
    formats: p.formats.map(fourccName),
    formatCodes: p.formats,
    properties,
  };
  const inFormats = blob(ctx, valueOf(properties, 'IN_FORMATS') ?? 0);
  if (inFormats) out.inFormats = decodeInFormats(inFormats);
  return out;
}

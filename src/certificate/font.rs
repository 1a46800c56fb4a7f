//! The certificate's font: Noto Sans CJK SC, shipped as a subset of the characters a
//! certificate can hold (`assets/fonts`, made by `tools/make_cjk_font.sh`), subset again to the
//! glyphs one certificate uses and embedded in its PDF as a CID-keyed font — so the PDF renders
//! the same on every reader, whatever fonts it has.

use std::collections::{BTreeMap, BTreeSet};

use pdf_writer::types::{CidFontType, FontFlags, SystemInfo, UnicodeCmap};
use pdf_writer::{Filter, Name, Pdf, Rect, Ref, Str};
use subsetter::GlyphRemapper;
use ttf_parser::{Face, GlyphId};

use super::CertificateError;

/// The font file (SIL Open Font License 1.1, `assets/fonts/OFL.txt`).
static FONT: &[u8] = include_bytes!("../../assets/fonts/NotoSansSC-Certificate.otf");

/// The name the font goes by inside the PDF (a subset gets a six-letter tag).
const BASE_FONT: &[u8] = b"TLCERT+NotoSansCJKsc-Regular";

/// What a character the font lacks becomes in the text a reader extracts.
const REPLACEMENT: char = '\u{FFFD}';

/// The glyphs one certificate uses, in the order they were first drawn.
pub(super) struct FontUse {
    face: Face<'static>,
    /// Old glyph id → new one; the new id is the CID the content stream shows.
    remapper: GlyphRemapper,
    /// New glyph id → (the character it draws, its advance in font units).
    glyphs: BTreeMap<u16, (char, u16)>,
    /// Characters the font has no glyph for, drawn as its .notdef box.
    missing: BTreeSet<char>,
}

impl FontUse {
    /// The shipped font, nothing used yet.
    pub fn new() -> Result<FontUse, CertificateError> {
        let face = Face::parse(FONT, 0)
            .map_err(|e| CertificateError::Font(format!("the certificate font: {e}")))?;
        Ok(FontUse {
            face,
            remapper: GlyphRemapper::new(),
            glyphs: BTreeMap::new(),
            missing: BTreeSet::new(),
        })
    }

    /// Font units per em.
    fn units(&self) -> f32 {
        f32::from(self.face.units_per_em())
    }

    /// The old glyph id of `c` (0, the .notdef box, when the font lacks it).
    fn glyph(&self, c: char) -> GlyphId {
        self.face.glyph_index(c).unwrap_or(GlyphId(0))
    }

    /// Advance of `c` in em.
    pub fn advance(&self, c: char) -> f32 {
        let glyph = self.glyph(c);
        f32::from(self.face.glyph_hor_advance(glyph).unwrap_or(0)) / self.units()
    }

    /// Width of `text` in em.
    pub fn width(&self, text: &str) -> f32 {
        text.chars().map(|c| self.advance(c)).sum()
    }

    /// The bytes that show `text` (two-byte CIDs, Identity-H), recording its glyphs. A
    /// character the font lacks shows as the .notdef box and is recorded as missing.
    pub fn encode(&mut self, text: &str) -> Vec<u8> {
        let mut out = Vec::with_capacity(text.len() * 2);
        for c in text.chars() {
            let old = match self.face.glyph_index(c) {
                Some(g) => g,
                None => {
                    self.missing.insert(c);
                    GlyphId(0)
                }
            };
            let new = self.remapper.remap(old.0);
            let advance = self.face.glyph_hor_advance(old).unwrap_or(0);
            let shown = if old.0 == 0 { REPLACEMENT } else { c };
            self.glyphs.entry(new).or_insert((shown, advance));
            out.extend_from_slice(&new.to_be_bytes());
        }
        out
    }

    /// Characters the font lacks, met so far.
    pub fn missing(&self) -> Vec<char> {
        self.missing.iter().copied().collect()
    }

    /// Writes the Type 0 font `font_ref` with everything it needs: the CID font, its
    /// descriptor, the subset font file and the ToUnicode map (so the text can be copied and
    /// searched).
    pub fn write(
        self,
        pdf: &mut Pdf,
        next: &mut impl FnMut() -> Ref,
        font_ref: Ref,
    ) -> Result<(), CertificateError> {
        let cid_ref = next();
        let descriptor_ref = next();
        let file_ref = next();
        let cmap_ref = next();
        let units = self.units();
        let to_pdf = |v: f32| v * 1000.0 / units;

        let subset = subsetter::subset(FONT, 0, &self.remapper)
            .map_err(|e| CertificateError::Font(format!("subsetting the certificate font: {e}")))?;
        let compressed = super::deflate(&subset);

        let system_info = SystemInfo {
            registry: Str(b"Adobe"),
            ordering: Str(b"Identity"),
            supplement: 0,
        };
        pdf.type0_font(font_ref)
            .base_font(Name(BASE_FONT))
            .encoding_predefined(Name(b"Identity-H"))
            .descendant_font(cid_ref)
            .to_unicode(cmap_ref);
        {
            let mut cid = pdf.cid_font(cid_ref);
            cid.subtype(CidFontType::Type0)
                .base_font(Name(BASE_FONT))
                .system_info(system_info)
                .font_descriptor(descriptor_ref)
                .default_width(1000.0);
            let mut widths = cid.widths();
            for (gid, (_, advance)) in &self.glyphs {
                widths.consecutive(*gid, [to_pdf(f32::from(*advance))]);
            }
        }
        let bbox = self.face.global_bounding_box();
        let cap_height = self.face.capital_height().unwrap_or(self.face.ascender());
        pdf.font_descriptor(descriptor_ref)
            .name(Name(BASE_FONT))
            .flags(FontFlags::NON_SYMBOLIC)
            .bbox(Rect::new(
                to_pdf(f32::from(bbox.x_min)),
                to_pdf(f32::from(bbox.y_min)),
                to_pdf(f32::from(bbox.x_max)),
                to_pdf(f32::from(bbox.y_max)),
            ))
            .italic_angle(0.0)
            .ascent(to_pdf(f32::from(self.face.ascender())))
            .descent(to_pdf(f32::from(self.face.descender())))
            .cap_height(to_pdf(f32::from(cap_height)))
            .stem_v(80.0)
            .font_file3(file_ref);
        pdf.stream(file_ref, &compressed)
            .filter(Filter::FlateDecode)
            .pair(Name(b"Subtype"), Name(b"OpenType"));

        let mut cmap = UnicodeCmap::new(Name(b"TechledgerCertificate-UTF16"), system_info);
        for (gid, (c, _)) in &self.glyphs {
            cmap.pair(*gid, *c);
        }
        let cmap = cmap.finish();
        pdf.cmap(cmap_ref, &cmap);
        Ok(())
    }
}

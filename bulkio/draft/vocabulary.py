"""The words feeds use for store fields, in English, German, French, Spanish, Italian and Dutch.

Header names are compared *normalised* (:func:`normalise`): lower case, accents dropped, only
letters and digits kept — ``"Référence"`` is ``reference``, ``"Art.-Nr."`` is ``artnr``,
``"Is featured?"`` is ``isfeatured``. XML paths are compared by their last step without its
namespace prefix (``g:price`` → ``price``, ``logistics/size/@width`` → ``width``).

The lists are ordered: for one field, an earlier word is the better candidate when a file has
several matching columns ("Preis" before "UVP").
"""

from __future__ import annotations

import re
import unicodedata

# fmt: off
SYNONYMS: dict[str, tuple[str, ...]] = {
    "sku": (
        "sku", "artikelnr", "artikelnummer", "artnr", "articlenumber", "articleno",
        "articlenr", "itemnumber", "itemno", "itemcode", "productcode", "productnumber",
        "productno", "partnumber", "reference", "ref", "referenceproduit", "refproduit",
        "codearticle", "referencia", "codigo", "codigoarticulo", "codigoproducto",
        "codice", "codicearticolo", "codiceprodotto", "articolo", "artikelcode",
        "productnummer", "bestelnummer", "code", "offerid",
    ),
    "name": (
        "name", "title", "productname", "itemname", "bezeichnung", "artikelbezeichnung",
        "produktname", "artikelname", "titel", "nom", "nomproduit", "libelle", "designation",
        "titre", "nombre", "nombreproducto", "titulo", "denominacion", "nome", "nomeprodotto",
        "denominazione", "titolo", "naam", "productnaam", "artikelnaam", "benaming",
    ),
    "short_description": (
        "shortdescription", "summary", "kurzbeschreibung", "kurztext", "teaser",
        "descriptioncourte", "resume", "descripcioncorta", "resumen", "descrizionebreve",
        "descrizionecorta", "riassunto", "kortebeschrijving", "korteomschrijving",
        "samenvatting",
    ),
    "description": (
        "description", "longdescription", "beschreibung", "langtext", "langbeschreibung",
        "artikelbeschreibung", "produktbeschreibung", "descriptif", "descriptionlongue",
        "descripcion", "descripcionlarga", "descrizione", "descrizionelunga",
        "beschrijving", "omschrijving", "content", "details",
    ),
    "regular_price": (
        "regularprice", "price", "preis", "verkaufspreis", "vkpreis", "vk", "bruttopreis",
        "listenpreis", "listprice", "retailprice", "prix", "prixttc", "prixdevente",
        "prixvente", "precio", "preciodeventa", "precioventa", "pvp", "prezzo",
        "prezzodivendita", "prezzovendita", "prijs", "verkoopprijs", "vkbrutto", "preisbrutto",
        "vkpreisbrutto", "bruttovk", "uvp", "rrp", "msrp",
    ),
    "sale_price": (
        "saleprice", "specialprice", "promoprice", "offerprice", "aktionspreis",
        "angebotspreis", "sonderpreis", "reduziert", "prixpromo", "prixsolde",
        "prixpromotionnel", "prixremise", "preciooferta", "preciorebajado", "preciopromocion",
        "prezzoscontato", "prezzoofferta", "prezzopromo", "prezzopromozionale",
        "aanbiedingsprijs", "actieprijs", "kortingsprijs",
    ),
    "stock_quantity": (
        "stockquantity", "stock", "qty", "quantity", "bestand", "lagerbestand", "menge",
        "lagermenge", "verfuegbar", "verfugbar", "available", "inventory", "onhand",
        "quantite", "qte", "stockdisponible", "existencias", "cantidad", "inventario",
        "quantita", "giacenza", "disponibilita", "scorte", "voorraad", "aantal",
    ),
    "stock_status": (
        "stockstatus", "availability", "verfuegbarkeit", "verfugbarkeit", "lieferbarkeit",
        "disponibilite", "disponibilidad", "beschikbaarheid",
    ),
    "backorders": (
        "backorders", "backorder", "backordersallowed", "nachbestellbar", "vorbestellbar",
        "rueckstand",
    ),
    "weight": ("weight", "gewicht", "poids", "peso", "nettogewicht", "weightkg"),
    "dimensions.length": ("length", "laenge", "lange", "longueur", "largo", "longitud",
                          "lunghezza", "lengte"),
    "dimensions.width": ("width", "breite", "largeur", "ancho", "anchura", "larghezza",
                         "breedte"),
    "dimensions.height": ("height", "hoehe", "hohe", "hauteur", "alto", "altura", "altezza",
                          "hoogte"),
    "status": (
        "status", "published", "active", "aktiv", "veroeffentlicht", "veroffentlicht",
        "online", "statut", "actif", "publie", "estado", "activo", "publicado", "stato",
        "attivo", "pubblicato", "actief", "gepubliceerd",
    ),
    "categories": (
        "categories", "category", "producttype", "kategorie", "kategorien", "warengruppe",
        "produktkategorie", "categorie", "categorieproduit", "categoria", "categorias",
        "categorie", "productcategorie", "rubrique", "familia", "rubrica",
    ),
    "tags": (
        "tags", "tag", "keywords", "schlagworte", "stichworte", "etiquettes", "motscles",
        "etiquetas", "palabrasclave", "etichette", "parolechiave", "trefwoorden", "labels",
    ),
    "images": (
        "images", "image", "imagelink", "additionalimagelink", "imageurl", "imageurls",
        "picture", "photo", "photos", "bild", "bilder", "bildurl", "bildlink", "foto",
        "fotos", "imagen", "imagenes", "immagine", "immagini", "afbeelding", "afbeeldingen",
    ),
    "menu_order": ("menuorder", "position", "sortorder", "sortierung", "reihenfolge", "ordre",
                   "orden", "ordine", "volgorde"),
    "tax_class": ("taxclass", "steuerklasse", "classedetaxe", "clasedeimpuesto",
                  "classediimposta", "belastingklasse"),
    "shipping_class": ("shippingclass", "versandklasse", "classedelivraison",
                       "clasedeenvio", "classedispedizione", "verzendklasse"),
    "slug": ("slug", "permalink", "urlkey"),
    "featured": ("featured", "isfeatured", "hervorgehoben", "topartikel", "enavant",
                 "destacado", "inevidenza", "uitgelicht"),
    "global_unique_id": ("ean", "gtin", "ean13", "upc", "isbn", "barcode", "strichcode",
                 "codebarre", "codigodebarras", "codiceabarre", "streepjescode", "eancode"),
    "date_on_sale_from": ("salestart", "salefrom", "salepricestart", "salestartdate",
                          "datesalepricestarts", "aktionvon", "aktionsbeginn", "aktionab",
                          "angebotvon", "debutpromo", "promodebut", "datedebutpromo",
                          "iniciooferta", "ofertadesde", "iniziopromo", "promoda", "actievan"),
    "date_on_sale_to": ("saleend", "saleto", "salepriceend", "saleenddate",
                        "datesalepriceends", "aktionbis", "aktionsende", "angebotbis",
                        "finpromo", "promofin", "datefinpromo", "finoferta", "ofertahasta",
                        "finepromo", "promoa", "actietot"),
    "meta:mpn": ("mpn", "herstellernummer", "herstellerartikelnummer",
                 "manufacturerpartnumber", "referencefabricant"),
    "meta:manufacturer": ("manufacturer", "hersteller", "fabricant", "fabricante",
                          "produttore", "fabrikant", "vendor"),
    "brands": ("brand", "marke", "marque", "marca", "merk"),
}
# fmt: on

GROUP_WORDS = (
    "itemgroupid", "groupid", "parentsku", "parent", "vaterartikel", "vaterartikelnr",
    "hauptartikel", "hauptartikelnr", "stammartikel", "stammartikelnr", "elternartikel",
    "skuparent", "referenceparent", "refparent", "articleparent", "skupadre",
    "referenciapadre", "codicepadre", "articolopadre", "skugenitore", "hoofdartikel",
    "ouderartikel", "parentreference", "modelnumber",
)  # fmt: skip
"""Columns naming the product a row is a variation of (``[target] group_by``)."""

ATTRIBUTE_WORDS: dict[str, tuple[str, ...]] = {
    "Color": ("color", "colour", "farbe", "couleur", "colore", "kleur"),
    "Size": ("size", "groesse", "grosse", "taille", "talla", "taglia", "maat"),
    "Material": ("material", "materiau", "materiale", "materiaal"),
    "Pattern": ("pattern", "muster", "motif", "estampado", "fantasia", "patroon"),
    "Gender": ("gender", "geschlecht", "genre", "genero", "genere", "geslacht"),
    "Age group": ("agegroup", "altersgruppe"),
}
"""Columns that are product attributes (the file's own header becomes the attribute name,
except for English Google fields, which get the English name)."""

BLOCK_WORDS = (
    "einkauf", "ek", "ekpreis", "purchase", "cost", "costprice", "achat", "prixachat",
    "compra", "preciocompra", "acquisto", "prezzoacquisto", "inkoop", "inkoopprijs",
    "netto", "net", "mwst", "vat", "tva", "iva", "btw", "tax", "steuer", "currency",
    "wahrung", "waehrung", "devise", "moneda", "valuta", "unit", "einheit",
)  # fmt: skip
"""Words in a header that stop a contains-match (``Einkaufspreis`` is not the price)."""

SHOP_WORDS = (
    "webshop", "onlineshop", "imshop", "shop", "shopaktiv", "inshop", "enligne", "boutique",
    "tiendaonline", "negozioonline", "inwebshop",
)  # fmt: skip
"""Yes/no columns saying whether an article belongs in the web shop at all: the rows that
say no are skipped (not created as drafts)."""

WAREHOUSE_WORDS = (
    "warehouse", "lager", "standort", "location", "entrepot", "depot", "almacen", "bodega",
    "magazzino", "deposito", "magazijn", "store",
)  # fmt: skip
"""A column naming where the stock is: lines of one SKU per place are added up."""

DISCONTINUED = (
    "ausgelaufen", "auslaufartikel", "abgekundigt", "abgekuendigt", "discontinued", "eol",
    "endoflife", "arrete", "findeserie", "descatalogado", "descontinuado",
    "fuoriproduzione", "uitassortiment", "uitlopend",
)  # fmt: skip
"""Status words of articles a supplier no longer sells: a filter skips their rows."""

AVAILABILITY: dict[str, str] = {
    "instock": "instock", "available": "instock", "lieferbar": "instock",
    "auflager": "instock", "verfuegbar": "instock", "verfugbar": "instock",
    "enstock": "instock", "disponible": "instock", "disponibile": "instock",
    "opvoorraad": "instock", "leverbaar": "instock", "yes": "instock",
    "outofstock": "outofstock", "soldout": "outofstock", "nichtlieferbar": "outofstock",
    "ausverkauft": "outofstock", "nichtverfuegbar": "outofstock", "rupture": "outofstock",
    "rupturedestock": "outofstock", "epuise": "outofstock", "agotado": "outofstock",
    "esaurito": "outofstock", "uitverkocht": "outofstock", "nietleverbaar": "outofstock",
    "no": "outofstock",
    "backorder": "onbackorder", "onbackorder": "onbackorder", "preorder": "onbackorder",
    "vorbestellbar": "onbackorder", "nachbestellt": "onbackorder",
    "precommande": "onbackorder", "reserva": "onbackorder", "preordine": "onbackorder",
    "nabestelling": "onbackorder",
}  # fmt: skip
"""Availability words → WooCommerce's stock status."""

TRUE_WORDS = ("1", "true", "yes", "y", "x", "ja", "j", "oui", "si", "sí", "vrai", "wahr",
              "verdadero", "vero", "waar", "active", "aktiv", "actif", "activo", "attivo",
              "actief", "on", "published", "publish")  # fmt: skip
FALSE_WORDS = ("0", "false", "no", "n", "nein", "non", "faux", "falsch", "falso", "nee",
               "inactive", "inaktiv", "inactif", "inactivo", "inattivo", "inactief", "off",
               "draft", "-1")  # fmt: skip

GOOGLE_NAMESPACE = "http://base.google.com/ns/1.0"

WOOCOMMERCE_HEADERS = frozenset({
    "ID", "Type", "SKU", "Name", "Published", "Is featured?", "Visibility in catalog",
    "Short description", "Description", "Date sale price starts", "Date sale price ends",
    "Tax status", "Tax class", "In stock?", "Stock", "Low stock amount",
    "Backorders allowed?", "Sold individually?", "Allow customer reviews?", "Purchase note",
    "Sale price", "Regular price", "Categories", "Tags", "Shipping class", "Images",
    "Download limit", "Download expiry days", "Parent", "Grouped products", "Upsells",
    "Cross-sells", "External URL", "Button text", "Position", "Attribute 1 name",
    "Attribute 1 value(s)", "Attribute 1 visible", "Attribute 1 global",
    "GTIN, UPC, EAN, or ISBN",
})  # fmt: skip
"""Headers of WooCommerce's own product CSV (Products → Export); units vary in
"Weight (kg)", "Length (cm)" … and are matched separately."""


ANCESTOR_BLOCK = frozenset({
    "shipping", "tax", "installment", "subscriptioncost", "loyaltypoints", "versand",
    "livraison", "envio", "spedizione", "verzending",
})  # fmt: skip
"""XML containers whose children are not the product's own fields (``g:shipping/g:price``)."""


def normalise(text: str) -> str:
    """``"Référence Art.-Nr."`` → ``"referenceartnr"``; ``ß`` → ``ss``, ``ä`` → ``a``."""
    text = text.replace("ß", "ss")
    decomposed = unicodedata.normalize("NFKD", text)
    stripped = "".join(c for c in decomposed if not unicodedata.combining(c))
    return re.sub(r"[^a-z0-9]", "", stripped.lower())


def last_step(path: str) -> str:
    """An XML field path's last step without ``@`` or a namespace prefix."""
    step = path.rstrip("/").split("/")[-1]
    step = step.lstrip("@")
    return step.split(":", 1)[-1]

"""`bulkio init` on files it has never seen: languages, encodings, number styles, XML."""

from __future__ import annotations

import codecs
import tomllib
from pathlib import Path
from typing import Any

import pytest

from bulkio.draft import DraftResult, draft_mapping
from bulkio.fields import to_payload
from bulkio.sandbox import Sandbox
from tests.init.helpers import init, planned


def payloads(result: DraftResult) -> dict[str, dict[str, Any]]:
    records = result.records.records
    assert records is not None
    out = {}
    for _line, values in records.iter_rows():
        payload = to_payload(values)
        out[payload["sku"]] = payload
    return out


def fields_of(result: DraftResult) -> dict[str, Any]:
    return tomllib.loads(result.text)["fields"]


def write(path: Path, text: str, encoding: str = "utf-8") -> Path:
    path.write_bytes(text.encode(encoding))
    return path


def test_french_headers_semicolons_decimal_comma(tmp_path: Path) -> None:
    feed = write(
        tmp_path / "catalogue.csv",
        "Référence;Désignation;Prix;Prix promo;Quantité;Poids;Actif\n"
        "FR-1;Chaise pliante;1.299,50;;12;4,5;oui\n"
        "FR-2;Table basse;89,00;79,90;0;12,25;non\n"
        "FR-3;Tabouret;19,99;;7;2;oui\n",
    )
    result = draft_mapping(feed, mapping_path=tmp_path / "m.toml")
    fields = fields_of(result)
    assert fields["sku"] == "Référence" and fields["name"] == "Désignation"
    assert fields["regular_price"]["column"] == "Prix"
    assert fields["sale_price"]["column"] == "Prix promo"
    assert fields["stock_quantity"]["column"] == "Quantité"
    assert fields["status"]["map"] == {"oui": "publish", "non": "draft"}
    source = tomllib.loads(result.text)["source"]
    assert (source["delimiter"], source["decimal"], source["thousands"]) == (";", ",", ".")
    got = payloads(result)
    assert got["FR-1"]["regular_price"] == "1299.50" and got["FR-1"]["weight"] == "4.5"
    assert got["FR-2"]["sale_price"] == "79.90" and got["FR-2"]["status"] == "draft"
    assert result.records.rejected == []


def test_spanish_and_italian_headers(tmp_path: Path) -> None:
    spanish = write(
        tmp_path / "es.csv",
        "Referencia,Nombre,Descripción,Precio,Existencias,Categoría\n"
        "ES-1,Silla,Madera de haya,45.90,3,Muebles > Sillas\n"
        "ES-2,Mesa,Roble,120.00,1,Muebles > Mesas\n",
    )
    result = draft_mapping(spanish, mapping_path=tmp_path / "es.toml")
    fields = fields_of(result)
    assert (fields["sku"], fields["name"], fields["description"]) == (
        "Referencia",
        "Nombre",
        "Descripción",
    )
    assert fields["stock_quantity"]["column"] == "Existencias"
    assert fields["categories"]["hierarchy"] == ">"
    italian = write(
        tmp_path / "it.csv",
        "Codice articolo;Nome;Prezzo;Giacenza;Peso\n"
        "IT-1;Sedia;45,90;3;4,2\nIT-2;Tavolo;120,00;1;20\n",
    )
    result = draft_mapping(italian, mapping_path=tmp_path / "it.toml")
    fields = fields_of(result)
    assert fields["sku"] == "Codice articolo" and fields["name"] == "Nome"
    assert fields["regular_price"]["column"] == "Prezzo"
    assert payloads(result)["IT-1"]["regular_price"] == "45.90"


def test_dutch_headers_plan_on_the_store(sandbox: Sandbox, tmp_path: Path) -> None:
    feed = write(
        tmp_path / "nl.csv",
        "Artikelnummer,Naam,Prijs,Voorraad,Gewicht,Merk\n"
        "NL-1,Fiets,499.00,2,14.5,Gazelle\n"
        "NL-2,Bel,9.95,40,0.1,Basil\n",
    )
    mapping = tmp_path / "nl.toml"
    assert init(str(feed), "-o", str(mapping)).exit_code == 0
    plan = planned(sandbox, feed, mapping, tmp_path / "plan.json")
    creates = {
        item["sku"]: item["payload"]
        for item in plan["items"].values()
        if item["action"] == "create"
    }
    assert creates["NL-1"]["regular_price"] == "499.00"
    assert creates["NL-1"]["stock_quantity"] == 2 and creates["NL-1"]["manage_stock"] is True
    assert creates["NL-2"]["brands"] == [{"id": "$term:brands:basil"}]  # Merk: the brand
    assert sorted(plan["terms"]) == ["Basil", "Gazelle"]


def test_utf16_excel_unicode_text(tmp_path: Path) -> None:
    text = "SKU\tName\tPrice\tStock\r\nU-1\tBürostuhl\t149.00\t3\r\nU-2\tLampe «Nord»\t39.90\t8\r\n"
    feed = tmp_path / "unicode.txt"
    feed.write_bytes(codecs.BOM_UTF16_LE + text.encode("utf-16-le"))
    result = draft_mapping(feed, mapping_path=tmp_path / "m.toml")
    source = tomllib.loads(result.text)["source"]
    assert source["encoding"] == "utf-16" and source["delimiter"] == "\t"
    assert payloads(result)["U-2"]["name"] == "Lampe «Nord»"


def test_cp1252_umlauts(tmp_path: Path) -> None:
    feed = write(
        tmp_path / "win.csv",
        "ArtikelNr;Bezeichnung;Preis;Bestand\nW-1;Gießkanne 10 l;12,99;80\nW-2;Schürze;7,50;3\n",
        "cp1252",
    )
    result = draft_mapping(feed, mapping_path=tmp_path / "m.toml")
    assert tomllib.loads(result.text)["source"]["encoding"] == "cp1252"
    assert payloads(result)["W-1"]["name"] == "Gießkanne 10 l"


def test_xml_with_default_namespace(tmp_path: Path) -> None:
    feed = write(
        tmp_path / "feed.xml",
        '<?xml version="1.0"?>\n<catalogue xmlns="urn:example:products">\n'
        "<produit><reference>X-1</reference><nom>Lampe</nom><prix>39.90</prix>"
        "<stock>4</stock></produit>\n"
        "<produit><reference>X-2</reference><nom>Vase</nom><prix>12.00</prix>"
        "<stock>0</stock></produit>\n</catalogue>\n",
    )
    result = draft_mapping(feed, mapping_path=tmp_path / "m.toml")
    data = tomllib.loads(result.text)
    assert data["source"]["namespaces"] == {"ns": "urn:example:products"}
    assert data["source"]["record"] == "/ns:catalogue/ns:produit"
    assert data["fields"]["sku"] == "ns:reference"
    assert payloads(result)["X-1"] == {
        "sku": "X-1",
        "name": "Lampe",
        "regular_price": "39.90",
        "stock_quantity": 4,
        "manage_stock": True,
    }


def test_sku_and_quantity_only_is_a_stock_mapping(tmp_path: Path) -> None:
    feed = write(tmp_path / "lager.csv", "Artikelnr;Menge\nA-1;5\nA-2;1.234\n")
    result = draft_mapping(feed, mapping_path=tmp_path / "m.toml")
    data = tomllib.loads(result.text)
    assert data["target"] == {"resource": "stock", "duplicates": "reject"}
    assert payloads(result)["A-2"]["stock_quantity"] == 1234
    steered = draft_mapping(feed, mapping_path=tmp_path / "m.toml", resource="product")
    assert tomllib.loads(steered.text)["target"]["resource"] == "product"


def test_hostile_header_stays_in_its_comment(tmp_path: Path) -> None:
    feed = write(
        tmp_path / "evil.csv",
        'SKU,Name,"x\n[target]\nresource = ""stock""",Price\nE-1,Evil,boom,1.00\n',
    )
    result = draft_mapping(feed, mapping_path=tmp_path / "m.toml")
    data = tomllib.loads(result.text)
    assert data["target"]["resource"] == "product"
    assert "\\n[target]" in result.text
    escaped = write(tmp_path / "esc.csv", 'SKU,Name,"Note \x1b[2J\u202e"\nE-1,Evil,x\n')
    text = draft_mapping(escaped, mapping_path=tmp_path / "m.toml").text
    assert "\x1b" not in text and "\u202e" not in text and "\\x1b[2J" in text


def test_existing_file_is_kept_without_force(tmp_path: Path) -> None:
    feed = write(tmp_path / "f.csv", "SKU,Name\nA,B\n")
    target = tmp_path / "m.toml"
    target.write_text("# mine\n", encoding="utf-8")
    refused = init(str(feed), "-o", str(target))
    assert refused.exit_code == 2
    assert str(target) in refused.output and "--force" in refused.output
    assert target.read_text(encoding="utf-8") == "# mine\n"
    forced = init(str(feed), "-o", str(target), "--force")
    assert forced.exit_code == 0 and "[fields]" in target.read_text(encoding="utf-8")


def test_missing_feed_and_no_sku_column_name_the_file(tmp_path: Path) -> None:
    missing = init(str(tmp_path / "nope.csv"), "-o", str(tmp_path / "m.toml"))
    assert missing.exit_code == 2 and "nope.csv" in missing.output
    feed = write(tmp_path / "words.csv", "Colour,Mood\nred,happy\nblue,sad\n")
    refused = init(str(feed), "-o", str(tmp_path / "m.toml"))
    assert refused.exit_code == 2 and "--sku" in refused.output
    assert not (tmp_path / "m.toml").exists()


def test_json_document(tmp_path: Path) -> None:
    import json

    rows = "".join(f"A-{n},Chair {n},{n}.50\n" for n in range(1, 6))
    feed = write(tmp_path / "f.csv", "SKU,Name,Price\n" + rows + "A-9,Table,x\n")
    result = init(str(feed), "-o", str(tmp_path / "m.toml"), "--json")
    assert result.exit_code == 1  # the sample row with price 'x' is rejected
    document = json.loads(result.stdout)
    assert document["schema"] == "bulkio.init/1" and document["ok"] is True
    assert [f["field"] for f in document["fields"]] == ["sku", "name", "regular_price"]
    assert document["check"]["rejected"][0]["code"] == "invalid-number"
    words = write(tmp_path / "words.csv", "Colour,Mood\nred,happy\n")
    failed = init(str(words), "-o", str(tmp_path / "w.toml"), "--json")
    assert failed.exit_code == 2
    error = json.loads(failed.stdout)
    assert error["schema"] == "bulkio.init/1" and error["ok"] is False
    assert "--sku" in error["error"]["hint"]


@pytest.mark.parametrize("flag", ["--quiet", "-q"])
def test_quiet_prints_nothing_on_success(tmp_path: Path, flag: str) -> None:
    feed = write(tmp_path / "f.csv", "SKU,Name\nA,B\n")
    result = init(str(feed), "-o", str(tmp_path / "m.toml"), flag)
    assert result.exit_code == 0 and result.output == ""


def test_gzip_feed_and_printing_the_mapping(tmp_path: Path) -> None:
    import gzip

    feed = tmp_path / "feed.csv.gz"
    feed.write_bytes(gzip.compress(b"SKU,Name,Price\nA,Chair,10.00\nB,Table,12.50\n"))
    result = init(str(feed), "-o", "-")
    assert result.exit_code == 0, result.output
    assert tomllib.loads(result.stdout)["fields"]["regular_price"]["column"] == "Price"
    assert not list(tmp_path.glob("*.toml"))


def test_files_without_data_are_refused_naming_them(tmp_path: Path) -> None:
    header_only = write(tmp_path / "header.csv", "SKU;Name\n")
    result = init(str(header_only), "-o", str(tmp_path / "m.toml"))
    assert result.exit_code == 2 and "header.csv" in result.output and "no rows" in result.output
    entities = write(
        tmp_path / "bomb.xml",
        '<?xml version="1.0"?>\n<!DOCTYPE r [<!ENTITY x "boom">]>\n'
        "<r><i><sku>&x;</sku></i><i><sku>b</sku></i></r>",
    )
    result = init(str(entities), "-o", str(tmp_path / "m.toml"))
    assert result.exit_code == 2 and "bomb.xml" in result.output and "DOCTYPE" in result.output
    assert not (tmp_path / "m.toml").exists()


def test_repeated_skus_add_up_only_per_warehouse(tmp_path: Path) -> None:
    per_place = write(
        tmp_path / "lager.csv", "Lagerort;Artikelnr;Lagerbestand\nA;X-1;5\nB;X-1;2\nA;X-2;1\n"
    )
    result = draft_mapping(per_place, mapping_path=tmp_path / "m.toml")
    assert tomllib.loads(result.text)["target"]["duplicates"] == "sum"
    assert result.records.rejected == [] and result.records.accepted == 3  # summed in the plan
    rows = "".join(f"X-{n};{n}\n" for n in range(1, 20))
    one_repeat = write(tmp_path / "bestand.csv", "Artikelnr;Lagerbestand\n" + rows + "X-3;9\n")
    result = draft_mapping(one_repeat, mapping_path=tmp_path / "m.toml")
    assert tomllib.loads(result.text)["target"]["duplicates"] == "reject"
    assert [e.code for e in result.records.rejected] == ["duplicate-sku"]


def test_sale_dates_with_their_format(tmp_path: Path) -> None:
    feed = write(
        tmp_path / "aktion.csv",
        "Artikelnr;Name;Preis;Aktionspreis;Aktion von;Aktion bis\n"
        "A-1;Stuhl;10,00;8,00;01.12.2026;24.12.2026\nA-2;Tisch;20,00;;;\n",
    )
    result = draft_mapping(feed, mapping_path=tmp_path / "m.toml")
    fields = fields_of(result)
    assert fields["date_on_sale_from"]["format"] == "%d.%m.%Y"
    got = payloads(result)["A-1"]
    assert (got["date_on_sale_from"], got["date_on_sale_to"]) == (
        "2026-12-01T00:00:00",
        "2026-12-24T00:00:00",
    )


def test_woocommerce_csv_in_pounds_and_inches(sandbox: Sandbox, tmp_path: Path) -> None:
    sandbox.store.units = {"weight": "kg", "dimension": "cm"}  # metric (11.x: lbs, in)
    feed = write(
        tmp_path / "wc.csv",
        "Type,SKU,Name,Published,Regular price,Stock,Weight (lbs),Length (in),Width (in),"
        "Height (in),Categories\nsimple,LB-1,Anvil,1,99.00,3,10,12,4,5,Tools\n",
    )
    mapping = tmp_path / "wc.toml"
    result = init(str(feed), "-o", str(mapping))
    assert result.exit_code == 0, result.output
    assert "WooCommerce's own product CSV" in result.output
    plan = planned(sandbox, feed, mapping, tmp_path / "plan.json")
    (item,) = plan["items"].values()
    payload = item["payload"]
    assert payload["weight"] == "4.5359"  # 10 lbs in the sandbox's kg
    assert payload["dimensions"] == {"length": "30.48", "width": "10.16", "height": "12.7"}

//! Generates the bundled demo data: `assets/demo/customers.csv` and `assets/demo/orders.xlsx`.
//!
//! Run once with `cargo run --example generate-demo`; the outputs are committed so that the demo works
//! without a build step. The data is made up but shaped like a real shop export: names from several European
//! countries (with umlauts and accents, to show UTF-8 survives), customer numbers with leading zeros (to show
//! they survive too), order-level fields such as shipping only on the first line of each order.
//!
//! A fixed-seed generator keeps the output identical from run to run, so a re-run shows no diff.

use rust_xlsxwriter::{ExcelDateTime, Format, Workbook};
use std::fmt::Write as _;
use std::path::Path;

/// A tiny deterministic generator (SplitMix64): the demo must not change when a crate updates its RNG.
struct Rng(u64);

impl Rng {
    fn next(&mut self) -> u64 {
        self.0 = self.0.wrapping_add(0x9E37_79B9_7F4A_7C15);
        let mut z = self.0;
        z = (z ^ (z >> 30)).wrapping_mul(0xBF58_476D_1CE4_E5B9);
        z = (z ^ (z >> 27)).wrapping_mul(0x94D0_49BB_1331_11EB);
        z ^ (z >> 31)
    }
    fn below(&mut self, n: u64) -> u64 {
        self.next() % n
    }
    fn pick<'a, T>(&mut self, items: &'a [T]) -> &'a T {
        &items[self.below(items.len() as u64) as usize]
    }
}

struct Country {
    name: &'static str,
    dial: &'static str,
    domain: &'static str,
    cities: &'static [&'static str],
    first: &'static [&'static str],
    last: &'static [&'static str],
}

const COUNTRIES: &[Country] = &[
    Country {
        name: "Germany",
        dial: "+49",
        domain: "de",
        cities: &[
            "Berlin",
            "München",
            "Hamburg",
            "Köln",
            "Düsseldorf",
            "Leipzig",
        ],
        first: &[
            "Lena", "Jonas", "Sophie", "Lukas", "Anna", "Felix", "Marie", "Jürgen", "Katrin",
        ],
        last: &[
            "Müller",
            "Schmidt",
            "Schneider",
            "Fischer",
            "Weber",
            "Becker",
            "Hoffmann",
            "Schäfer",
        ],
    },
    Country {
        name: "Austria",
        dial: "+43",
        domain: "at",
        cities: &["Wien", "Graz", "Linz", "Salzburg"],
        first: &["Florian", "Magdalena", "Tobias", "Theresa"],
        last: &["Gruber", "Huber", "Bauer", "Wagner", "Pichler"],
    },
    Country {
        name: "France",
        dial: "+33",
        domain: "fr",
        cities: &["Paris", "Lyon", "Marseille", "Toulouse", "Nantes"],
        first: &["Émilie", "Hugo", "Chloé", "Léo", "Camille", "Théo"],
        last: &["Martin", "Bernard", "Dubois", "Lefèvre", "Moreau", "Girard"],
    },
    Country {
        name: "Netherlands",
        dial: "+31",
        domain: "nl",
        cities: &["Amsterdam", "Rotterdam", "Utrecht", "Eindhoven"],
        first: &["Daan", "Sanne", "Bram", "Fleur"],
        last: &["de Jong", "Jansen", "de Vries", "van Dijk", "Bakker"],
    },
    Country {
        name: "Spain",
        dial: "+34",
        domain: "es",
        cities: &["Madrid", "Barcelona", "Valencia", "Sevilla"],
        first: &["Lucía", "Martín", "Sofía", "Álvaro"],
        last: &["García", "Fernández", "López", "Muñoz", "Sánchez"],
    },
    Country {
        name: "United Kingdom",
        dial: "+44",
        domain: "co.uk",
        cities: &["London", "Manchester", "Bristol", "Edinburgh", "Leeds"],
        first: &["Oliver", "Amelia", "George", "Isla", "Harry", "Emily"],
        last: &["Smith", "Jones", "Taylor", "Brown", "Wilson", "O'Connor"],
    },
    Country {
        name: "Sweden",
        dial: "+46",
        domain: "se",
        cities: &["Stockholm", "Göteborg", "Malmö", "Uppsala"],
        first: &["Elsa", "Oskar", "Astrid", "Nils"],
        last: &["Andersson", "Johansson", "Lindström", "Åberg"],
    },
    Country {
        name: "United States",
        dial: "+1",
        domain: "com",
        cities: &["New York", "Chicago", "Austin", "Seattle", "Boston"],
        first: &["Emma", "Liam", "Ava", "Noah", "Mia", "Ethan"],
        last: &[
            "Johnson",
            "Williams",
            "Miller",
            "Davis",
            "Garcia",
            "Rodriguez",
        ],
    },
];

const MAIL_HOSTS: &[&str] = &[
    "gmail.com",
    "outlook.com",
    "yahoo.com",
    "icloud.com",
    "web",
    "gmx",
];

struct Product {
    sku: &'static str,
    name: &'static str,
    price: f64,
}

const PRODUCTS: &[Product] = &[
    Product {
        sku: "TEA-EARL-100",
        name: "Earl Grey Loose Leaf 100 g",
        price: 8.90,
    },
    Product {
        sku: "TEA-SENCHA-100",
        name: "Japanese Sencha 100 g",
        price: 12.50,
    },
    Product {
        sku: "TEA-ROOIBOS-250",
        name: "Rooibos Vanilla 250 g",
        price: 11.90,
    },
    Product {
        sku: "TEA-CHAI-200",
        name: "Masala Chai Blend 200 g",
        price: 9.95,
    },
    Product {
        sku: "TEA-MATCHA-30",
        name: "Ceremonial Matcha 30 g",
        price: 24.00,
    },
    Product {
        sku: "ACC-POT-GLASS",
        name: "Glass Teapot 1 l",
        price: 29.90,
    },
    Product {
        sku: "ACC-INFUSER",
        name: "Stainless Steel Infuser",
        price: 6.50,
    },
    Product {
        sku: "ACC-CUP-SET2",
        name: "Stoneware Cups, Set of 2",
        price: 19.90,
    },
    Product {
        sku: "ACC-KETTLE-TMP",
        name: "Temperature Kettle 1.2 l",
        price: 79.00,
    },
    Product {
        sku: "GIFT-BOX-S",
        name: "Gift Box Small",
        price: 34.50,
    },
    Product {
        sku: "GIFT-BOX-L",
        name: "Gift Box Large",
        price: 59.00,
    },
    Product {
        sku: "GIFT-CARD-25",
        name: "Gift Card 25",
        price: 25.00,
    },
];

struct Customer {
    number: String,
    first: String,
    last: String,
}

fn ascii_fold(s: &str) -> String {
    let mut out = String::new();
    for c in s.chars() {
        match c {
            'ä' => out.push_str("ae"),
            'ö' => out.push_str("oe"),
            'ü' => out.push_str("ue"),
            'Ä' => out.push_str("Ae"),
            'Ö' => out.push_str("Oe"),
            'Ü' => out.push_str("Ue"),
            'ß' => out.push_str("ss"),
            'é' | 'è' | 'ê' => out.push('e'),
            'É' => out.push('E'),
            'á' => out.push('a'),
            'Á' => out.push('A'),
            'å' => out.push('a'),
            'Å' => out.push('A'),
            'í' => out.push('i'),
            'ó' => out.push('o'),
            'ñ' => out.push('n'),
            ' ' | '\'' => {}
            c => out.push(c),
        }
    }
    out.to_lowercase()
}

fn csv_field(s: &str) -> String {
    if s.contains([',', '"', '\n']) {
        format!("\"{}\"", s.replace('"', "\"\""))
    } else {
        s.to_string()
    }
}

/// Days since 1970-01-01 → (year, month, day), proleptic Gregorian (Howard Hinnant's algorithm).
fn civil(days: i64) -> (i32, u8, u8) {
    let z = days + 719_468;
    let era = z.div_euclid(146_097);
    let doe = z - era * 146_097;
    let yoe = (doe - doe / 1460 + doe / 36_524 - doe / 146_096) / 365;
    let doy = doe - (365 * yoe + yoe / 4 - yoe / 100);
    let mp = (5 * doy + 2) / 153;
    let d = (doy - (153 * mp + 2) / 5 + 1) as u8;
    let m = if mp < 10 { mp + 3 } else { mp - 9 } as u8;
    let y = (yoe + era * 400 + i64::from(m <= 2)) as i32;
    (y, m, d)
}

fn customers(rng: &mut Rng) -> (String, Vec<Customer>) {
    let mut csv = String::from(
        "Customer Number,First Name,Last Name,Email,Phone,Signup Date,City,Country,Loyalty Tier,Lifetime Value,Newsletter\n",
    );
    let mut list = Vec::new();
    let mut used_emails = std::collections::HashSet::new();
    for i in 0..200u32 {
        let country = rng.pick(COUNTRIES);
        let first = *rng.pick(country.first);
        let last = *rng.pick(country.last);
        let number = format!("{:06}", 4100 + i * 3 + rng.below(3) as u32);
        let host = match *rng.pick(MAIL_HOSTS) {
            "web" | "gmx" if country.domain == "de" => format!("{}.de", rng.pick(&["web", "gmx"])),
            "web" | "gmx" => "gmail.com".to_string(),
            h => h.to_string(),
        };
        let base = format!("{}.{}", ascii_fold(first), ascii_fold(last));
        let mut email = format!("{base}@{host}");
        let mut n = 2;
        while !used_emails.insert(email.clone()) {
            email = format!("{base}{n}@{host}");
            n += 1;
        }
        let phone = if rng.below(10) == 0 {
            String::new() // some customers never gave a phone number
        } else {
            format!(
                "{} {} {:07}",
                country.dial,
                10 + rng.below(890),
                rng.below(10_000_000)
            )
        };
        // Sign-ups between 2019-01-01 and 2024-06-30.
        let (y, m, d) = civil(17_897 + rng.below(2_007) as i64);
        let city = *rng.pick(country.cities);
        let tier = match rng.below(100) {
            0..=49 => "Bronze",
            50..=79 => "Silver",
            80..=94 => "Gold",
            _ => "Platinum",
        };
        let value = (rng.below(250_000) as f64) / 100.0;
        let newsletter = if rng.below(3) == 0 { "no" } else { "yes" };
        let _ = writeln!(
            csv,
            "{number},{},{},{email},{phone},{y:04}-{m:02}-{d:02},{},{},{tier},{value:.2},{newsletter}",
            csv_field(first),
            csv_field(last),
            csv_field(city),
            csv_field(country.name),
        );
        list.push(Customer {
            number,
            first: first.to_string(),
            last: last.to_string(),
        });
    }
    (csv, list)
}

fn orders(
    rng: &mut Rng,
    customers: &[Customer],
    path: &Path,
) -> Result<(), rust_xlsxwriter::XlsxError> {
    let mut workbook = Workbook::new();
    let sheet = workbook.add_worksheet().set_name("Orders")?;
    let bold = Format::new().set_bold();
    let date = Format::new().set_num_format("yyyy-mm-dd");
    let money = Format::new().set_num_format("#,##0.00");
    let headers = [
        "Order Number",
        "Customer Number",
        "Order Date",
        "SKU",
        "Product Name",
        "Quantity",
        "Unit Price",
        "Shipping Cost",
        "Billing Name",
    ];
    for (c, h) in headers.iter().enumerate() {
        sheet.write_string_with_format(0, c as u16, *h, &bold)?;
    }
    let mut row = 1u32;
    // Orders between 2023-01-01 and 2024-12-31, in date order like a shop export.
    let mut day = 19_358i64;
    for order in 0..160u32 {
        day += rng.below(5) as i64;
        let (y, m, d) = civil(day);
        let when = ExcelDateTime::from_ymd(y as u16, m, d)?;
        let customer = rng.pick(customers);
        let number = format!("SO-{}", 230_001 + order);
        let lines = 1 + rng.below(4);
        let mut picked: Vec<usize> = Vec::new();
        for line in 0..lines {
            let mut p = rng.below(PRODUCTS.len() as u64) as usize;
            while picked.contains(&p) {
                p = (p + 1) % PRODUCTS.len();
            }
            picked.push(p);
            let product = &PRODUCTS[p];
            let qty = if rng.below(4) == 0 {
                2 + rng.below(3)
            } else {
                1
            };
            sheet.write_string(row, 0, &number)?;
            // Text, so the leading zeros survive exactly as in the CRM.
            sheet.write_string(row, 1, &customer.number)?;
            sheet.write_datetime_with_format(row, 2, &when, &date)?;
            sheet.write_string(row, 3, product.sku)?;
            sheet.write_string(row, 4, product.name)?;
            sheet.write_number(row, 5, qty as f64)?;
            sheet.write_number_with_format(row, 6, product.price, &money)?;
            if line == 0 {
                let shipping = [0.0, 4.95, 4.95, 6.90][rng.below(4) as usize];
                sheet.write_number_with_format(row, 7, shipping, &money)?;
            }
            sheet.write_string(row, 8, format!("{} {}", customer.first, customer.last))?;
            row += 1;
        }
    }
    sheet.set_column_width(0, 13)?;
    sheet.set_column_width(1, 16)?;
    sheet.set_column_width(2, 12)?;
    sheet.set_column_width(3, 17)?;
    sheet.set_column_width(4, 30)?;
    sheet.set_column_width(8, 22)?;
    sheet.set_freeze_panes(1, 0)?;
    workbook.save(path)
}

fn main() -> Result<(), Box<dyn std::error::Error>> {
    let dir = Path::new(env!("CARGO_MANIFEST_DIR")).join("assets/demo");
    let mut rng = Rng(0x7A10_2024);
    let (csv, list) = customers(&mut rng);
    std::fs::write(dir.join("customers.csv"), csv)?;
    orders(&mut rng, &list, &dir.join("orders.xlsx"))?;
    println!(
        "wrote {} and {}",
        dir.join("customers.csv").display(),
        dir.join("orders.xlsx").display()
    );
    Ok(())
}

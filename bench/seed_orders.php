<?php
// Seed N real WooCommerce orders fast, for the export benchmark (bench/realstore.py, part export).
//
// Why in-process: through the REST API (orders/batch) 10,000 orders take 20–30 minutes a store
// on this machine; the seeding is untimed set-up, so it goes through WooCommerce's own PHP API
// instead (WC_Order, its items and data store: posts or HPOS, whichever the store uses), the
// way the store's own importer script (../shared/refstore/wc-core-import.php) is run. The
// orders are ordinary orders the REST API lists: line items of real products, billing and
// shipping addresses, a shipping line, a payment method, statuses with their paid/completed
// dates, the status-change hooks fired as on checkout (stock, sales counts, analytics rows).
//
// Usage (as the web server's user, like the importer):
//   php seed_orders.php WP_DIR N TAG            create N orders tagged TAG
//   php seed_orders.php WP_DIR 0 TAG delete     delete every order tagged TAG (for good)
// Prints one JSON line: what was done, how long it took, which storage the store uses.
//
// Tag: created_via "bulkio-bench" and the meta _bulkio_bench = TAG on every order, so a run
// finds (and deletes) exactly its own orders. Line items use the bench's own products (SKU
// BENCH-ORD-1 … 8, no stock management), created on first use, so seeding never changes the
// stock of products other work relies on. No e-mail is built or sent.

$seed_dir = $argv[1] ?? '';
$seed_count = (int) ($argv[2] ?? 0);
$seed_tag = $argv[3] ?? '';
$seed_mode = $argv[4] ?? 'create';
if ($seed_dir === '' || $seed_tag === '' || !in_array($seed_mode, array('create', 'delete'), true)) {
    fwrite(STDERR, "usage: php seed_orders.php WP_DIR N TAG [delete]\n");
    exit(2);
}

// wp-config.php of the refstore fills in HTTP_HOST and HTTPS for the command line.
$_SERVER['REQUEST_URI'] = '/wp-admin/admin-ajax.php';
define('WP_ADMIN', true);
require $seed_dir . '/wp-load.php';
wp_set_current_user(1);

// No mail: each order's e-mails disabled at the source (not even rendered), and wp_mail
// short-circuited in case anything else tries.
add_filter('pre_wp_mail', '__return_false');
foreach (WC()->mailer()->get_emails() as $bench_email) {
    add_filter('woocommerce_email_enabled_' . $bench_email->id, '__return_false');
}
// Analytics rows are written in-process instead of queued as one background job per order:
// the jobs would otherwise run through WP-Cron on the store's PHP workers during the timed
// export and the tests that share the store.
add_filter('woocommerce_analytics_disable_action_scheduling', '__return_true');

global $wpdb;
$started = microtime(true);

if ($seed_mode === 'delete') {
    // Candidates by created_via (a query var both storages understand: wc_get_orders on the
    // posts store ignores a meta_query), each checked for its tag before it is deleted, so
    // nothing but this tag's orders is ever touched. Refunds go with their order.
    $ids = wc_get_orders(array(
        'limit' => -1,
        'return' => 'ids',
        'type' => 'shop_order',
        'status' => array_keys(wc_get_order_statuses()),
        'created_via' => 'bulkio-bench',
    ));
    $deleted = 0;
    $wpdb->query('START TRANSACTION');
    foreach ($ids as $id) {
        $order = wc_get_order($id);
        if (!$order || $order->get_created_via() !== 'bulkio-bench'
            || $order->get_meta('_bulkio_bench') !== $seed_tag) {
            continue;
        }
        foreach ($order->get_refunds() as $refund) {
            $refund->delete(true);
        }
        $order->delete(true);
        if (++$deleted % 50 === 0) {
            $wpdb->query('COMMIT');
            $wpdb->query('START TRANSACTION');
        }
    }
    $wpdb->query('COMMIT');
    echo json_encode(array('deleted' => $deleted, 'tag' => $seed_tag,
        'seconds' => round(microtime(true) - $started, 2))), "\n";
    exit(0);
}

// The bench's own products (created once per store; prices vary so totals do).
$products = array();
for ($n = 1; $n <= 8; $n++) {
    $sku = 'BENCH-ORD-' . $n;
    $id = wc_get_product_id_by_sku($sku);
    if (!$id) {
        $product = new WC_Product_Simple();
        $product->set_name('Bench order item ' . $n);
        $product->set_sku($sku);
        $product->set_regular_price((string) (4.5 * $n + 0.99));
        $product->set_status('publish');
        $product->set_manage_stock(false);
        $id = $product->save();
    }
    $products[] = wc_get_product($id);
}

$statuses = array('completed', 'completed', 'completed', 'processing', 'processing', 'on-hold',
    'refunded', 'cancelled', 'pending', 'completed');
$cities = array(array('Berlin', '10115', 'DE'), array('Wien', '1010', 'AT'),
    array('Lyon', '69001', 'FR'), array('Graz', '8010', 'AT'), array('Köln', '50667', 'DE'));
$methods = array(array('bacs', 'Direct bank transfer'), array('cod', 'Cash on delivery'),
    array('cheque', 'Check payments'));
mt_srand(crc32($seed_tag));

$created = array();
$per_transaction = 50;  // one commit (one log flush) per 50 orders instead of per statement
$wpdb->query('START TRANSACTION');
for ($n = 0; $n < $seed_count; $n++) {
    $order = new WC_Order();
    $order->set_created_via('bulkio-bench');
    $order->set_currency(get_woocommerce_currency());
    $order->set_prices_include_tax('yes' === get_option('woocommerce_prices_include_tax'));
    list($city, $postcode, $country) = $cities[$n % count($cities)];
    $address = array(
        'first_name' => 'Bench' . $n,
        'last_name' => 'Käufer',
        'company' => ($n % 4 === 0) ? 'Bench GmbH' : '',
        'address_1' => ($n % 97 + 1) . ' Bench Street',
        'city' => $city,
        'postcode' => $postcode,
        'country' => $country,
    );
    $order->set_address($address + array('email' => "bench{$n}@example.org",
        'phone' => '+49 30 ' . (100000 + $n)), 'billing');
    $order->set_address($address, 'shipping');
    list($method, $title) = $methods[$n % count($methods)];
    $order->set_payment_method($method);
    $order->set_payment_method_title($title);
    if ($n % 7 === 0) {
        $order->set_customer_note('Bitte klingeln (' . $n . ')');
    }
    $lines = 1 + mt_rand(0, 2);
    for ($l = 0; $l < $lines; $l++) {
        $order->add_product($products[mt_rand(0, count($products) - 1)], 1 + mt_rand(0, 2));
    }
    $shipping = new WC_Order_Item_Shipping();
    $shipping->set_method_title('Flat rate');
    $shipping->set_method_id('flat_rate');
    $shipping->set_total($n % 5 === 0 ? '0' : '4.90');
    $order->add_item($shipping);
    $order->calculate_totals(false);
    $order->update_meta_data('_bulkio_bench', $seed_tag);
    $status = $statuses[$n % count($statuses)];
    if (in_array($status, array('completed', 'processing', 'refunded'), true)) {
        $order->set_transaction_id('BENCH-' . $seed_tag . '-' . $n);
        $order->set_date_paid(time());
    }
    // The status is set last, so that saving fires the same pending → status transition
    // (notes, stock and sales hooks) as an order placed and paid.
    $order->set_status($status);
    $created[] = $order->save();
    if (($n + 1) % $per_transaction === 0) {
        $wpdb->query('COMMIT');
        $wpdb->query('START TRANSACTION');
    }
    if (($n + 1) % 1000 === 0) {
        fwrite(STDERR, sprintf("%d orders, %.1f s\n", $n + 1, microtime(true) - $started));
    }
}
$wpdb->query('COMMIT');

$hpos = class_exists('Automattic\WooCommerce\Utilities\OrderUtil')
    && Automattic\WooCommerce\Utilities\OrderUtil::custom_orders_table_usage_is_enabled();
echo json_encode(array(
    'created' => count($created),
    'tag' => $seed_tag,
    'first_id' => $created ? min($created) : null,
    'last_id' => $created ? max($created) : null,
    'ids' => $created,
    'seconds' => round(microtime(true) - $started, 2),
    'storage' => $hpos ? 'hpos' : 'posts',
    'wc' => WC()->version,
)), "\n";

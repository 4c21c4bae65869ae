curl 'https://api.notion.com/v1/pages/dcdc805c85fa4155a55c20fc28771af7/properties/SPrp' \
    -H 'Notion-Version: 2025-09-03' \
    -H 'Authorization: Bearer '"$NOTION_API_KEY"''

curl 'https://api.notion.com/v1/blocks/1860edbc410d408b87f61e37e07352a2' \
    -H 'Authorization: Bearer '"$NOTION_API_KEY"'' \
    -H 'Notion-Version: 2025-09-03'

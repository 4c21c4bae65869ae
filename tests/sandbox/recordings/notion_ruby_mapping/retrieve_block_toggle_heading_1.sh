curl 'https://api.notion.com/v1/blocks/82daa282-435d-4f9f-8f3b-b8c0328a963f' \
    -H 'Authorization: Bearer '"$NOTION_API_KEY"'' \
    -H 'Notion-Version: 2025-09-03'
